import { useId, useState } from 'react';
import { ApiError, gql } from '../api';
import { ConfirmDialog, ErrorBox, HealthBadge, Loading, Stat, StateBadge } from '../components/ui';
import { formatAgo, formatCount, formatMs, formatPercent, formatTime } from '../format';
import { usePoll } from '../hooks';
import { PAUSE, RESET, RESUME, RESYNC, REWIND, SUBSCRIPTION_DETAIL } from '../queries';
import type {
  HealthVerdict,
  Latency,
  OplogStatus,
  Recommendation,
  Subscription,
  SubscriptionStatus,
  Trends,
} from '../types';
import { LiveTail } from './LiveTail';
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
  analyticsErrors: {
    failedAttempts: number;
    deadLettered: number;
    errors: ErrorGroup[];
  };
}

interface ErrorGroup {
  name: string;
  code: string | null;
  httpStatus: number | null;
  failedAttempts: number;
  deadLettered: number;
  latestAt: string;
  sampleMessage: string;
}

type Action = 'pause' | 'resume' | 'reset' | 'resync' | 'rewind';

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
  resync: {
    mutation: RESYNC,
    label: 'Resync',
    explain:
      'The existing documents of its collections are delivered again as snapshot events, then the stream continues from the time of this request. Also the way out of stale.',
    danger: true,
  },
  rewind: {
    mutation: REWIND,
    label: 'Rewind',
    explain:
      'Delivery restarts from a past time still in the oplog: the events after it are delivered again (handlers see duplicates, with the same event ids).',
    danger: true,
  },
};

/** A datetime-local value (local time, seconds) for `ms` since the epoch. */
function localInputValue(ms: number): string {
  const date = new Date(ms - new Date(ms).getTimezoneOffset() * 60_000);
  return date.toISOString().slice(0, 19);
}

const ISO_TIME = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z/g;

/**
 * The rewind refusal (412 over REST, FAILED_PRECONDITION here) in words an operator acts on:
 * the oplog window, in local time.
 */
function explainRewindError(failure: unknown): unknown {
  if (!(failure instanceof ApiError) || failure.code !== 'FAILED_PRECONDITION') return failure;
  const detail = failure.details.find((d) => d.field === 'timestamp');
  const times = (detail?.reason ?? '').match(ISO_TIME);
  if (!detail || !times || times.length < 2) return failure;
  return new ApiError(
    `The oplog no longer reaches back that far. Available window: ${formatTime(times[0])} to ${formatTime(times[1])}. Pick a time inside it, or resync.`,
    failure.code,
    failure.details,
  );
}

export function SubscriptionDetail({ name }: { name: string }) {
  const [range, setRange] = useState('1h');
  const { data, error, loading, reload } = usePoll(
    () => gql<DetailAnswer>(SUBSCRIPTION_DETAIL, { name, range }),
    `${name}|${range}`,
    5_000,
  );
  const [action, setAction] = useState<Action>();
  const [notice, setNotice] = useState('');
  const [rewindTo, setRewindTo] = useState('');
  const rewindId = useId();

  if (loading && !data) return <Loading what={name} />;
  if (!data) return <ErrorBox error={error} retry={reload} />;

  const subscription = data.subscription;
  const status = data.subscriptionStatus;
  const analytics = data.analyticsOverview.subscriptions.find((s) => s.name === name);
  const available: Action[] =
    subscription.desiredState === 'paused'
      ? ['resume', 'reset', 'resync', 'rewind']
      : ['pause', 'reset', 'resync', 'rewind'];

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
              onClick={() => {
                if (key === 'rewind') setRewindTo(localInputValue(Date.now() - 10 * 60_000));
                setAction(key);
              }}
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
          body={
            <>
              <p>{ACTIONS[action].explain}</p>
              {action === 'rewind' && (
                <p>
                  <label htmlFor={rewindId}>Rewind to (local time)</label>
                  <input
                    id={rewindId}
                    type="datetime-local"
                    step={1}
                    required
                    value={rewindTo}
                    max={localInputValue(Date.now())}
                    onChange={(event) => setRewindTo(event.target.value)}
                  />
                </p>
              )}
            </>
          }
          confirmLabel={ACTIONS[action].label}
          danger={ACTIONS[action].danger}
          onConfirm={async () => {
            if (action === 'rewind') {
              const at = new Date(rewindTo);
              if (Number.isNaN(at.getTime())) {
                throw new ApiError('Give the time to rewind to.', 'BAD_USER_INPUT');
              }
              try {
                await gql(REWIND, { name, timestamp: at.toISOString() });
              } catch (failure) {
                throw explainRewindError(failure);
              }
              setNotice(`Rewind: delivering again from ${formatTime(at.toISOString())}.`);
            } else {
              await gql(ACTIONS[action].mutation, { name });
              setNotice(`${ACTIONS[action].label}: done.`);
            }
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
        <Stat
          label="Oplog margin"
          value={
            !status.oplog
              ? '—'
              : status.oplog.available
                ? formatMs(status.oplog.marginMs)
                : 'unknown'
          }
          hint={oplogHint(status.oplog)}
        />
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

      <LiveTail name={name} initial={status} />
      <div>
        <div className="card">
          <h2>Top errors (last {range})</h2>
          {data.analyticsErrors.errors.length === 0 ? (
            <p className="muted">No failures in the last {range}.</p>
          ) : (
            <table className="top-errors">
              <thead>
                <tr>
                  <th scope="col">Error</th>
                  <th scope="col">HTTP</th>
                  <th scope="col">Failed attempts</th>
                  <th scope="col">Dead-lettered</th>
                  <th scope="col">Latest</th>
                </tr>
              </thead>
              <tbody>
                {data.analyticsErrors.errors.slice(0, 10).map((row) => (
                  <tr key={`${row.name}-${row.code ?? ''}-${row.httpStatus ?? ''}`}>
                    <td>
                      {row.name}
                      {row.code ? ` (${row.code})` : ''}
                      <div className="muted small" title={row.sampleMessage}>
                        {row.sampleMessage}
                      </div>
                    </td>
                    <td>{row.httpStatus ?? '—'}</td>
                    <td>{formatCount(row.failedAttempts)}</td>
                    <td>{formatCount(row.deadLettered)}</td>
                    <td>{formatAgo(row.latestAt)}</td>
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

/** The margin's verdict and share of the window, or why the oplog cannot be read. */
function oplogHint(oplog: OplogStatus | null | undefined): string | undefined {
  if (!oplog) {
    return undefined;
  }
  if (!oplog.available) {
    return oplog.reason ?? 'the oplog cannot be read';
  }
  const parts = [oplog.status ?? 'Healthy'];
  if (oplog.marginPct !== null) {
    parts.push(`${formatPercent(oplog.marginPct)} of a ${formatMs(oplog.windowMs)} window`);
  }
  if (oplog.timeToLossMs !== null) {
    parts.push(`history lost in ~${formatMs(oplog.timeToLossMs)}`);
  }
  return parts.join(' · ');
}
