import { useEffect, useRef, useState } from 'react';
import { gql } from '../api';
import { ConfirmDialog, ErrorBox, HealthBadge, Loading, Stat, StateBadge } from '../components/ui';
import { formatAgo, formatCount, formatMs, formatPercent, formatTime } from '../format';
import { usePoll } from '../hooks';
import { LIVE_STATUS, PAUSE, RESET, RESUME, SUBSCRIPTION_DETAIL } from '../queries';
import type {
  HealthVerdict,
  Latency,
  Recommendation,
  Subscription,
  SubscriptionStatus,
  Trends,
} from '../types';
import { EventsPerMinuteChart, RangePicker } from './trend-chart';

interface DetailAnswer {
  subscription: Subscription;
  subscriptionStatus: SubscriptionStatus;
  analyticsTrends: Trends;
  analyticsOverview: {
    subscriptions: {
      name: string;
      health: HealthVerdict;
      successRate: number;
      latency: Latency;
      recommendations: Recommendation[];
    }[];
  };
  deadLetterSummary: {
    byError: { errorName: string; httpStatus: number | null; pending: number }[];
  };
}

type Action = 'pause' | 'resume' | 'reset';

const ACTIONS: Record<
  Action,
  { mutation: string; label: string; explain: string; danger: boolean }
> = {
  pause: {
    mutation: PAUSE,
    label: 'Pause',
    explain:
      'The worker stops reading and keeps its checkpoint; a resume continues where it stopped.',
    danger: false,
  },
  resume: {
    mutation: RESUME,
    label: 'Resume',
    explain: 'The worker reads again from its checkpoint.',
    danger: false,
  },
  reset: {
    mutation: RESET,
    label: 'Reset',
    explain:
      'The checkpoint is dropped: the subscription starts again from now, and the changes not yet delivered are skipped.',
    danger: true,
  },
};

export function SubscriptionDetail({ name }: { name: string }) {
  const [range, setRange] = useState('1h');
  const { data, error, loading, reload } = usePoll(
    () => gql<DetailAnswer>(SUBSCRIPTION_DETAIL, { name, range }),
    `${name}|${range}`,
    5_000,
  );
  const [action, setAction] = useState<Action>();
  const [notice, setNotice] = useState('');

  if (loading && !data) return <Loading what={name} />;
  if (!data) return <ErrorBox error={error} retry={reload} />;

  const subscription = data.subscription;
  const status = data.subscriptionStatus;
  const analytics = data.analyticsOverview.subscriptions.find((s) => s.name === name);
  const available: Action[] =
    subscription.desiredState === 'paused' ? ['resume', 'reset'] : ['pause', 'reset'];

  return (
    <section aria-labelledby="detail-title">
      <header className="page-header">
        <div>
          <a href="#/subscriptions" className="muted">
            ← Subscriptions
          </a>
          <h1 id="detail-title">{name}</h1>
          <p className="muted">{subscription.description || subscription.serviceName}</p>
        </div>
        <div className="actions">
          {available.map((key) => (
            <button
              key={key}
              type="button"
              className={ACTIONS[key].danger ? 'danger' : ''}
              onClick={() => setAction(key)}
            >
              {ACTIONS[key].label}
            </button>
          ))}
          <a className="button" href={`#/subscriptions/${encodeURIComponent(name)}/edit`}>
            Edit
          </a>
          <a className="button" href={`#/dead-letters?subscription=${encodeURIComponent(name)}`}>
            Dead letters
          </a>
        </div>
      </header>
      {error !== undefined && <ErrorBox error={error} retry={reload} />}
      {notice && (
        <p className="notice" role="status">
          {notice}
        </p>
      )}
      {action && (
        <ConfirmDialog
          title={`${ACTIONS[action].label} ${name}?`}
          body={<p>{ACTIONS[action].explain}</p>}
          confirmLabel={ACTIONS[action].label}
          danger={ACTIONS[action].danger}
          onConfirm={async () => {
            await gql(ACTIONS[action].mutation, { name });
            setNotice(`${ACTIONS[action].label}: done.`);
            reload();
          }}
          onClose={() => setAction(undefined)}
        />
      )}

      <div className="stats">
        <Stat
          label="State"
          value={<StateBadge state={status.state} />}
          hint={`worker: ${status.actualState}`}
        />
        <Stat
          label="Health"
          value={<HealthBadge status={analytics?.health.status ?? 'Healthy'} />}
        />
        <Stat label="Lag" value={formatMs(status.lagMs)} />
        <Stat label="Owner" value={status.owner ?? '—'} />
        <Stat label="Success rate" value={analytics ? formatPercent(analytics.successRate) : '—'} />
        <Stat
          label="Latency p50 / p95 / p99"
          value={
            analytics
              ? `${formatMs(analytics.latency.p50Ms)} / ${formatMs(analytics.latency.p95Ms)} / ${formatMs(analytics.latency.p99Ms)}`
              : '—'
          }
        />
        <Stat
          label="Checkpoint"
          value={status.checkpoint ? formatAgo(status.checkpoint.updatedAt) : '—'}
          hint={
            status.checkpoint?.clusterTime
              ? `at ${formatTime(status.checkpoint.clusterTime)}`
              : undefined
          }
        />
        <Stat label="Last event" value={formatAgo(status.lastEventAt)} />
      </div>

      {(analytics?.health.reasons.length ?? 0) > 0 && (
        <ul className="reasons card">
          {analytics?.health.reasons.map((reason) => (
            <li key={reason}>{reason}</li>
          ))}
        </ul>
      )}
      {status.stale && (
        <div className="error-box" role="alert">
          Stale since {formatTime(status.stale.at)}: {status.stale.reason}
        </div>
      )}
      {status.lastError && (
        <div className="error-box" role="alert">
          Last worker error ({formatAgo(status.lastError.at)}): {status.lastError.message}
        </div>
      )}
      {status.warnings.map((warning) => (
        <p key={warning} className="notice">
          {warning}
        </p>
      ))}

      <div className="card">
        <header className="page-header">
          <h2>Events per minute</h2>
          <RangePicker value={range} onChange={setRange} />
        </header>
        <EventsPerMinuteChart
          trends={data.analyticsTrends}
          title={`Events per minute of ${name} over the last ${range}`}
        />
      </div>

      <div className="grid-2">
        <LiveTail name={name} initial={status} />
        <div className="card">
          <h2>Top errors (pending dead letters)</h2>
          {data.deadLetterSummary.byError.length === 0 ? (
            <p className="muted">No pending dead letters.</p>
          ) : (
            <table>
              <thead>
                <tr>
                  <th scope="col">Error</th>
                  <th scope="col">HTTP</th>
                  <th scope="col">Pending</th>
                </tr>
              </thead>
              <tbody>
                {data.deadLetterSummary.byError.map((row) => (
                  <tr key={`${row.errorName}-${row.httpStatus ?? ''}`}>
                    <td>{row.errorName}</td>
                    <td>{row.httpStatus ?? '—'}</td>
                    <td>{formatCount(row.pending)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {(analytics?.recommendations.length ?? 0) > 0 && (
            <>
              <h2>Recommendations</h2>
              <ul className="recommendations">
                {analytics?.recommendations.map((r) => (
                  <li key={r.action}>
                    <strong>{r.action}</strong> — {r.reason}
                  </li>
                ))}
              </ul>
            </>
          )}
        </div>
      </div>

      <Definition subscription={subscription} />
    </section>
  );
}

interface TailLine {
  at: string;
  text: string;
}

const COUNTERS = [
  'received',
  'delivered',
  'failedAttempts',
  'retried',
  'deadLettered',
  'replayed',
] as const;

/** What the worker did, second by second: the changes of its counters, newest first. */
function LiveTail({ name, initial }: { name: string; initial: SubscriptionStatus }) {
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

  const counters = data?.subscriptionStatus.counters ?? initial.counters;
  return (
    <div className="card">
      <h2>Live tail</h2>
      <p className="muted">
        {COUNTERS.map((key) => `${key} ${formatCount(counters[key])}`).join(' · ')}
      </p>
      {error !== undefined && <ErrorBox error={error} />}
      <ol className="tail" aria-live="polite" aria-label="Deliveries as they happen">
        {lines.length === 0 && <li className="muted">Waiting for deliveries…</li>}
        {lines.map((line, index) => (
          <li key={`${line.at}-${index}`}>
            <time>{line.at}</time> {line.text}
          </li>
        ))}
      </ol>
    </div>
  );
}

function Definition({ subscription }: { subscription: Subscription }) {
  const handler = subscription.handler;
  return (
    <div className="card">
      <h2>Definition (revision {subscription.revision})</h2>
      <dl className="definition">
        <dt>Service</dt>
        <dd>{subscription.serviceName}</dd>
        <dt>Source</dt>
        <dd>
          {subscription.source.database}.
          {subscription.source.collections.length
            ? subscription.source.collections.join(', ')
            : '*'}
          {subscription.source.operationTypes.length > 0 &&
            ` (${subscription.source.operationTypes.join(', ')})`}
        </dd>
        <dt>Pipeline</dt>
        <dd>
          <pre>{JSON.stringify(subscription.source.pipeline, null, 2)}</pre>
        </dd>
        <dt>Handler</dt>
        <dd>
          {handler.type === 'webhook' ? `webhook ${handler.url ?? ''}` : `provider ${handler.name}`}
          {handler.type === 'webhook' && (
            <span className="muted">
              {' '}
              · signing secret {handler.secretSet ? 'set (hidden)' : 'not set'}
            </span>
          )}
        </dd>
        {handler.headers && Object.keys(handler.headers).length > 0 && (
          <>
            <dt>Headers</dt>
            <dd>
              <pre>{JSON.stringify(handler.headers, null, 2)}</pre>
            </dd>
          </>
        )}
        <dt>Delivery</dt>
        <dd>
          ordering {subscription.delivery.ordering}, concurrency {subscription.delivery.concurrency}
          , batch {subscription.delivery.batchSize}, timeout{' '}
          {formatMs(subscription.delivery.timeoutMs)}
        </dd>
        <dt>Retry</dt>
        <dd>
          {subscription.retry.maxAttempts} attempts, {formatMs(subscription.retry.initialDelayMs)} ×{' '}
          {subscription.retry.multiplier} up to {formatMs(subscription.retry.maxDelayMs)}, jitter{' '}
          {subscription.retry.jitter}
        </dd>
        <dt>Dead letters</dt>
        <dd>
          {subscription.deadLetter.enabled
            ? `kept ${subscription.deadLetter.retentionDays} days`
            : 'disabled'}
        </dd>
        <dt>Created / updated</dt>
        <dd>
          {formatTime(subscription.createdAt)} / {formatTime(subscription.updatedAt)}
        </dd>
      </dl>
    </div>
  );
}
