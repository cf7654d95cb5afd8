import { useState } from 'react';
import { gql } from '../api';
import { ErrorBox, HealthBadge, Loading, Stat } from '../components/ui';
import { formatCount, formatMs, formatPercent, formatRate, formatAgo } from '../format';
import { usePoll } from '../hooks';
import { OVERVIEW } from '../queries';
import type { Instance, Overview as OverviewData, Trends } from '../types';
import { EventsPerMinuteChart, RangePicker } from './trend-chart';

interface OverviewAnswer {
  analyticsOverview: OverviewData;
  analyticsTrends: Trends;
  instances: Instance[];
}

export function Overview() {
  const [range, setRange] = useState('1h');
  const { data, error, loading, reload } = usePoll(
    () => gql<OverviewAnswer>(OVERVIEW, { range }),
    range,
    5_000,
  );

  return (
    <section aria-labelledby="overview-title">
      <header className="page-header">
        <h1 id="overview-title">Overview</h1>
        <RangePicker value={range} onChange={setRange} />
      </header>
      {error !== undefined && <ErrorBox error={error} retry={reload} />}
      {loading && !data && <Loading what="the overview" />}
      {data && <OverviewBody data={data} range={range} />}
    </section>
  );
}

function OverviewBody({ data, range }: { data: OverviewAnswer; range: string }) {
  const overview = data.analyticsOverview;
  const recommendations = overview.subscriptions.flatMap((s) =>
    s.recommendations.map((r) => ({ ...r, subscription: s.name })),
  );
  return (
    <>
      <div className="card health-card">
        <div>
          <span className="stat-label">Overall health</span>{' '}
          <HealthBadge status={overview.health.status} />
        </div>
        {overview.health.reasons.length > 0 && (
          <ul className="reasons">
            {overview.health.reasons.map((reason) => (
              <li key={reason}>{reason}</li>
            ))}
          </ul>
        )}
      </div>

      <div className="stats">
        <Stat label="Events per minute" value={formatRate(overview.eventsPerMinute)} />
        <Stat
          label="Success rate"
          value={formatPercent(overview.successRate)}
          hint="delivered ÷ received"
        />
        <Stat
          label="Latency p50 / p95 / p99"
          value={`${formatMs(overview.latency.p50Ms)} / ${formatMs(overview.latency.p95Ms)} / ${formatMs(overview.latency.p99Ms)}`}
        />
        <Stat label="Largest lag" value={formatMs(overview.largestLagMs)} />
        <Stat
          label="Dead letters pending"
          value={
            overview.pendingDeadLetters > 0 ? (
              <a href="#/dead-letters">{formatCount(overview.pendingDeadLetters)}</a>
            ) : (
              '0'
            )
          }
        />
        <Stat label={`Received (${range})`} value={formatCount(overview.totals.received)} />
      </div>

      <div className="card">
        <h2>Events per minute, last {range}</h2>
        <EventsPerMinuteChart
          trends={data.analyticsTrends}
          title={`Events per minute over the last ${range}`}
        />
      </div>

      <div className="grid-2">
        <div className="card">
          <h2>Services</h2>
          {overview.services.length === 0 ? (
            <p className="muted">
              No services yet: <a href="#/subscriptions/new">create a subscription</a>.
            </p>
          ) : (
            <table>
              <thead>
                <tr>
                  <th scope="col">Service</th>
                  <th scope="col">Health</th>
                  <th scope="col">Subscriptions</th>
                  <th scope="col">Success</th>
                </tr>
              </thead>
              <tbody>
                {overview.services.map((service) => (
                  <tr key={service.service}>
                    <td>{service.service}</td>
                    <td>
                      <HealthBadge status={service.health.status} />
                      {service.health.reasons.length > 0 && (
                        <ul className="reasons">
                          {service.health.reasons.map((reason) => (
                            <li key={reason}>{reason}</li>
                          ))}
                        </ul>
                      )}
                    </td>
                    <td>{service.subscriptions}</td>
                    <td>{formatPercent(service.successRate)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>

        <div className="card">
          <h2>Recommendations</h2>
          {recommendations.length === 0 ? (
            <p className="muted">Nothing to recommend.</p>
          ) : (
            <ul className="recommendations">
              {recommendations.map((r) => (
                <li key={`${r.subscription}-${r.action}`}>
                  <a href={`#/subscriptions/${encodeURIComponent(r.subscription)}`}>
                    {r.subscription}
                  </a>
                  : <strong>{r.action}</strong> — {r.reason}
                </li>
              ))}
            </ul>
          )}
        </div>
      </div>

      <div className="card">
        <h2>Instances</h2>
        {data.instances.length === 0 ? (
          <p className="muted">No instance has reported yet.</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th scope="col">Instance</th>
                <th scope="col">Service</th>
                <th scope="col">Live</th>
                <th scope="col">Last seen</th>
                <th scope="col">Owns</th>
              </tr>
            </thead>
            <tbody>
              {data.instances.map((instance) => (
                <tr key={instance.id}>
                  <td>
                    {instance.id} <span className="muted">v{instance.version}</span>
                  </td>
                  <td>{instance.service}</td>
                  <td>{instance.live ? 'live' : 'gone'}</td>
                  <td>{formatAgo(instance.lastSeen)}</td>
                  <td>
                    {instance.subscriptions.length === 0
                      ? '—'
                      : instance.subscriptions.map((name, index) => (
                          <span key={name}>
                            {index > 0 && ', '}
                            <a href={`#/subscriptions/${encodeURIComponent(name)}`}>{name}</a>
                          </span>
                        ))}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
    </>
  );
}
