import { useMemo, useState } from 'react';
import { gql } from '../api';
import { ErrorBox, HealthBadge, Loading, StateBadge } from '../components/ui';
import { formatMs, formatRate } from '../format';
import { usePoll } from '../hooks';
import { SUBSCRIPTION_LIST } from '../queries';
import type { HealthVerdict, SubscriptionStatus } from '../types';

interface ListAnswer {
  subscriptions: {
    name: string;
    serviceName: string;
    state: string;
    description: string;
    handler: { type: string; name: string };
  }[];
  subscriptionStatuses: SubscriptionStatus[];
  analyticsOverview: {
    subscriptions: {
      name: string;
      lagMs: number;
      counts: { received: number };
      health: HealthVerdict;
    }[];
  };
}

interface Row {
  name: string;
  service: string;
  state: string;
  worker: string;
  health: string;
  lagMs: number | null;
  eventsPerMinute: number;
  owner: string;
}

type SortKey = keyof Row;

const COLUMNS: { key: SortKey; label: string }[] = [
  { key: 'name', label: 'Name' },
  { key: 'service', label: 'Service' },
  { key: 'state', label: 'State' },
  { key: 'health', label: 'Health' },
  { key: 'lagMs', label: 'Lag' },
  { key: 'eventsPerMinute', label: 'Events/min' },
  { key: 'owner', label: 'Owner' },
];

function rows(data: ListAnswer): Row[] {
  const statuses = new Map(data.subscriptionStatuses.map((s) => [s.name, s]));
  const analytics = new Map(data.analyticsOverview.subscriptions.map((s) => [s.name, s]));
  return data.subscriptions.map((subscription) => {
    const status = statuses.get(subscription.name);
    const figures = analytics.get(subscription.name);
    return {
      name: subscription.name,
      service: subscription.serviceName,
      state: subscription.state,
      worker: status?.actualState ?? 'unknown',
      health: figures?.health.status ?? 'Healthy',
      lagMs: status?.lagMs ?? null,
      eventsPerMinute: (figures?.counts.received ?? 0) / 60,
      owner: status?.owner ?? '',
    };
  });
}

export function Subscriptions() {
  const { data, error, loading, reload } = usePoll(
    () => gql<ListAnswer>(SUBSCRIPTION_LIST),
    'list',
    3_000,
  );
  const [filter, setFilter] = useState('');
  const [stateFilter, setStateFilter] = useState('');
  const [sort, setSort] = useState<{ key: SortKey; descending: boolean }>({
    key: 'name',
    descending: false,
  });

  const visible = useMemo(() => {
    if (!data) return [];
    const text = filter.trim().toLowerCase();
    return rows(data)
      .filter((row) => (stateFilter ? row.state === stateFilter : true))
      .filter(
        (row) =>
          !text || [row.name, row.service, row.owner].some((v) => v.toLowerCase().includes(text)),
      )
      .sort((a, b) => {
        const left = a[sort.key] ?? -1;
        const right = b[sort.key] ?? -1;
        const order = left < right ? -1 : left > right ? 1 : 0;
        return sort.descending ? -order : order;
      });
  }, [data, filter, stateFilter, sort]);

  return (
    <section aria-labelledby="subscriptions-title">
      <header className="page-header">
        <h1 id="subscriptions-title">Subscriptions</h1>
        <a className="button primary" href="#/subscriptions/new">
          New subscription
        </a>
      </header>
      <div className="filters">
        <label>
          Filter
          <input
            type="search"
            value={filter}
            placeholder="name, service or owner"
            onChange={(event) => setFilter(event.target.value)}
          />
        </label>
        <label>
          State
          <select value={stateFilter} onChange={(event) => setStateFilter(event.target.value)}>
            <option value="">any</option>
            <option value="active">active</option>
            <option value="paused">paused</option>
            <option value="stale">stale</option>
          </select>
        </label>
      </div>
      {error !== undefined && <ErrorBox error={error} retry={reload} />}
      {loading && !data && <Loading what="subscriptions" />}
      {data && data.subscriptions.length === 0 && (
        <div className="empty card">
          <h2>No subscriptions yet</h2>
          <p>A subscription watches collections and delivers their changes to a handler.</p>
          <a className="button primary" href="#/subscriptions/new">
            Create the first one
          </a>
        </div>
      )}
      {data && data.subscriptions.length > 0 && (
        <div className="table-wrap">
          <table className="subscriptions-table">
            <thead>
              <tr>
                {COLUMNS.map((column) => (
                  <th
                    key={column.key}
                    scope="col"
                    aria-sort={
                      sort.key === column.key
                        ? sort.descending
                          ? 'descending'
                          : 'ascending'
                        : 'none'
                    }
                  >
                    <button
                      type="button"
                      className="sort"
                      onClick={() =>
                        setSort((current) => ({
                          key: column.key,
                          descending: current.key === column.key ? !current.descending : false,
                        }))
                      }
                    >
                      {column.label}
                      <span aria-hidden="true">
                        {sort.key === column.key ? (sort.descending ? ' ▼' : ' ▲') : ''}
                      </span>
                    </button>
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {visible.map((row) => (
                <tr key={row.name} data-subscription={row.name}>
                  <td>
                    <a href={`#/subscriptions/${encodeURIComponent(row.name)}`}>{row.name}</a>
                  </td>
                  <td>{row.service}</td>
                  <td>
                    <StateBadge state={row.state} /> <span className="muted">{row.worker}</span>
                  </td>
                  <td>
                    <HealthBadge status={row.health} />
                  </td>
                  <td>{formatMs(row.lagMs)}</td>
                  <td>{formatRate(row.eventsPerMinute)}</td>
                  <td>{row.owner || '—'}</td>
                </tr>
              ))}
              {visible.length === 0 && (
                <tr>
                  <td colSpan={COLUMNS.length} className="muted">
                    No subscription matches the filter.
                  </td>
                </tr>
              )}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
