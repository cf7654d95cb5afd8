/**
 * Views every deployment has. `microservices_event_dashboard`: the figures of
 * GET /api/v1/dashboard that live in MongoDB (the live gauges queued, in flight and retrying
 * are in the memory of each instance, so they are not here), in one row.
 */
export const BUILTIN_VIEWS: Readonly<Record<string, string>> = {
  microservices_event_dashboard: `
WITH subs AS (
  SELECT COUNT(*) AS total_subscriptions,
         SUM(CASE WHEN state = 'active' THEN 1 ELSE 0 END) AS active_subscriptions,
         MAX(CASE health WHEN 'Critical' THEN 3 WHEN 'Warning' THEN 2 WHEN 'Degraded' THEN 1 ELSE 0 END) AS worst
  FROM EVENT_SUBSCRIPTIONS()
),
streams AS (
  SELECT COUNT(*) AS active_streams FROM ACTIVE_CHANGE_STREAMS() WHERE worker_state = 'running'
),
last_hour AS (
  SELECT SUM(received) AS received, SUM(failed_attempts) AS errors,
         SUM(dead_lettered) AS dead_lettered, MAX(lag_max_ms) AS lag
  FROM EVENT_METRICS WHERE minute >= DATE_SUB(NOW(), INTERVAL 1 HOUR)
),
last_5_minutes AS (
  SELECT SUM(handler_sum_ms) AS handler_ms, SUM(handler_count) AS handled
  FROM EVENT_METRICS WHERE minute >= DATE_SUB(NOW(), INTERVAL 5 MINUTE)
),
pending AS (
  SELECT COUNT(*) AS pending_dead_letters FROM DEAD_LETTER_EVENTS() WHERE status = 'pending'
)
SELECT NOW() AS timestamp,
       streams.active_streams,
       subs.active_subscriptions,
       subs.total_subscriptions,
       ROUND(last_hour.received / 60, 2) AS events_per_minute,
       last_hour.errors AS errors_last_hour,
       last_hour.dead_lettered AS dead_letters_last_hour,
       pending.pending_dead_letters,
       COALESCE(ROUND(last_5_minutes.handler_ms / last_5_minutes.handled, 2), 0) AS average_handling_ms,
       COALESCE(last_hour.lag, 0) AS largest_lag_ms,
       CASE subs.worst WHEN 3 THEN 'Critical' WHEN 2 THEN 'Warning' WHEN 1 THEN 'Degraded' ELSE 'Healthy' END AS health
FROM subs
CROSS JOIN streams
CROSS JOIN last_hour
CROSS JOIN last_5_minutes
CROSS JOIN pending`,
};
