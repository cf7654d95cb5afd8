import { createClient } from 'graphql-ws';
import { useEffect, useRef, useState } from 'react';
import { describeError, gql, storedToken } from '../api';
import { ErrorBox } from '../components/ui';
import { formatCount, formatMs } from '../format';
import { usePoll } from '../hooks';
import { LIVE_STATUS, SUBSCRIPTION_EVENTS } from '../queries';
import type { LiveDelivery, SubscriptionStatus } from '../types';

/** How many deliveries the tail keeps on screen, newest first. */
const KEEP = 100;

type Mode = 'connecting' | 'live' | 'polling';

/** The socket's failure in words: a close code and reason, GraphQL errors, or a network event. */
function socketFailure(failure: unknown): string {
  if (Array.isArray(failure)) {
    return failure
      .map((error: { message?: string }) => error.message ?? 'an error without a message')
      .join('; ');
  }
  if (failure instanceof CloseEvent) {
    return `the websocket closed (${failure.code}${failure.reason ? ` ${failure.reason}` : ''})`;
  }
  if (failure instanceof Event) return 'the websocket could not connect';
  return describeError(failure);
}

function wsUrl(): string {
  const scheme = window.location.protocol === 'https:' ? 'wss' : 'ws';
  return `${scheme}://${window.location.host}/graphql`;
}

/**
 * The deliveries of one subscription as they happen, over graphql-ws (`subscriptionEvents`),
 * from whichever instance runs it. When the socket cannot connect (or drops), the tail falls back
 * to polling the subscription's counters every second and says so.
 */
export function LiveTail({ name, initial }: { name: string; initial: SubscriptionStatus }) {
  const [rows, setRows] = useState<LiveDelivery[]>([]);
  const [mode, setMode] = useState<Mode>('connecting');
  const [failure, setFailure] = useState('');
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    setMode('connecting');
    setFailure('');
    let disposed = false;
    // graphql-ws also rejects an internal promise with the socket's close or error event that
    // nobody awaits (enisdenjo/graphql-ws#365); the sink below already reports the failure.
    const swallowSocketEvent = (event: PromiseRejectionEvent) => {
      if (event.reason instanceof Event) event.preventDefault();
    };
    window.addEventListener('unhandledrejection', swallowSocketEvent);
    const client = createClient({
      url: wsUrl(),
      connectionParams: () => {
        const token = storedToken();
        return token ? { Authorization: `Bearer ${token}` } : {};
      },
      retryAttempts: 1,
      lazy: true,
      on: { connected: () => !disposed && setMode('live') },
    });
    const stop = client.subscribe<{ subscriptionEvents: LiveDelivery }>(
      { query: SUBSCRIPTION_EVENTS, variables: { name } },
      {
        next: (result) => {
          const delivery = result.data?.subscriptionEvents;
          if (delivery) setRows((current) => [delivery, ...current].slice(0, KEEP));
        },
        error: (error) => {
          if (disposed) return;
          setFailure(socketFailure(error));
          setMode('polling');
        },
        complete: () => {
          if (!disposed) {
            setFailure('the server ended the live tail');
            setMode('polling');
          }
        },
      },
    );
    return () => {
      disposed = true;
      stop();
      void Promise.resolve(client.dispose()).catch(() => undefined);
      window.removeEventListener('unhandledrejection', swallowSocketEvent);
    };
  }, [name, attempt]);

  const sampled = rows.find((row) => row.sampleRate < 1);
  return (
    <div className="card live-tail" data-mode={mode}>
      <header className="page-header">
        <h2>Live tail</h2>
        <span className={`badge ${mode === 'live' ? 'health-healthy' : 'health-degraded'}`}>
          {mode === 'live' ? 'live' : mode === 'connecting' ? 'connecting…' : 'polling'}
        </span>
      </header>
      <p className="muted">
        {COUNTERS.map((key) => `${key} ${formatCount(initial.counters[key])}`).join(' · ')}
      </p>
      {mode === 'polling' ? (
        <>
          <p className="notice" role="status">
            Live deliveries are unavailable ({failure}); showing the counters every second instead.{' '}
            <button type="button" onClick={() => setAttempt((value) => value + 1)}>
              Try live again
            </button>
          </p>
          <PolledTail name={name} initial={initial} />
        </>
      ) : (
        <>
          {sampled && (
            <p className="muted small">
              Busy: about one delivery in {Math.round(1 / sampled.sampleRate)} is shown.
            </p>
          )}
          <div className="table-scroll">
            <table className="tail-table" aria-label="Deliveries as they happen">
              <thead>
                <tr>
                  <th scope="col">At</th>
                  <th scope="col">Operation</th>
                  <th scope="col">Namespace</th>
                  <th scope="col">Key</th>
                  <th scope="col">Outcome</th>
                  <th scope="col">Latency</th>
                  <th scope="col">Event id</th>
                </tr>
              </thead>
              <tbody aria-live="polite">
                {rows.length === 0 && (
                  <tr>
                    <td colSpan={7} className="muted">
                      Waiting for deliveries…
                    </td>
                  </tr>
                )}
                {rows.map((row) => (
                  <tr
                    key={`${row.id}-${row.outcome}-${row.attempt}`}
                    data-outcome={row.outcome}
                    title={row.error ?? undefined}
                  >
                    <td>
                      <time dateTime={row.at}>
                        {new Date(row.at).toLocaleTimeString('en-GB', { hour12: false })}
                      </time>
                    </td>
                    <td>{row.operationType}</td>
                    <td>
                      {row.ns.db}.{row.ns.coll}
                    </td>
                    <td className="mono">{row.documentKey}</td>
                    <td>
                      <span className={`badge outcome-${row.outcome}`}>{row.outcome}</span>
                      {row.attempt > 1 && <span className="muted"> (attempt {row.attempt})</span>}
                    </td>
                    <td>{formatMs(row.latencyMs)}</td>
                    <td className="mono ellipsis" title={row.id}>
                      {row.id}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </div>
  );
}

const COUNTERS = [
  'received',
  'delivered',
  'failedAttempts',
  'retried',
  'deadLettered',
  'replayed',
] as const;

interface TailLine {
  at: string;
  text: string;
}

/** The fallback: the changes of the worker's counters, second by second, newest first. */
function PolledTail({ name, initial }: { name: string; initial: SubscriptionStatus }) {
  const previous = useRef(initial.counters);
  const [lines, setLines] = useState<TailLine[]>([]);
  const { data, error } = usePoll(
    () => gql<{ subscriptionStatus: SubscriptionStatus }>(LIVE_STATUS, { name }),
    name,
    1_000,
  );

  useEffect(() => {
    if (!data) return;
    const counters = data.subscriptionStatus.counters;
    const changes = COUNTERS.map(
      (key) => [key, counters[key] - previous.current[key]] as const,
    ).filter(([, delta]) => delta !== 0);
    previous.current = counters;
    if (changes.length > 0) {
      const text = changes
        .map(([key, delta]) => `${delta > 0 ? '+' : ''}${delta} ${key}`)
        .join(', ');
      setLines((current) =>
        [{ at: new Date().toLocaleTimeString('en-GB', { hour12: false }), text }, ...current].slice(
          0,
          50,
        ),
      );
    }
  }, [data]);

  return (
    <>
      {error !== undefined && <ErrorBox error={error} />}
      <ol className="tail" aria-live="polite" aria-label="Counter changes as they happen">
        {lines.length === 0 && <li className="muted">Waiting for deliveries…</li>}
        {lines.map((line, index) => (
          <li key={`${line.at}-${index}`}>
            <time>{line.at}</time> {line.text}
          </li>
        ))}
      </ol>
    </>
  );
}
