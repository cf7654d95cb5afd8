import { DeadLettersRepository, MetricsRepository, emptyCounters } from '@app/relay';
import { waitFor, withToken } from '@app/testing';
import { getConnectionToken } from '@nestjs/mongoose';
import type { Connection } from 'mongoose';
import { startRelay, waitUntilRunning, type RelayServer } from './support/relay-server';

const MINUTE = 60_000;

/** The journal analytics (issue 15, branch journal) are compared with once they are merged. */

interface Figures {
  received: number;
  delivered: number;
  failedAttempts?: number;
  deadLettered?: number;
  handlerCount: number;
  handlerSumMs: number;
  lagMaxMs?: number;
}

type Row = unknown[];

/**
 * Acceptance (issue 16): monitoring queries over the virtual tables return exactly the numbers
 * of the analytics endpoints for the same window; errors name line and column; nothing but the
 * tables can be read; a query over a large table is bounded in rows and time.
 */
describe('SQL: monitoring queries', () => {
  let server: RelayServer;
  const now = Date.now();
  const minuteAgo = (minutes: number) =>
    new Date(Math.floor((now - minutes * MINUTE) / MINUTE) * MINUTE);

  const sql = (text: string, params?: Record<string, unknown>) =>
    server.api.http.post('/api/v1/sql').send({ sql: text, ...(params ? { params } : {}) });
  const query = async (text: string, params?: Record<string, unknown>) => {
    const response = await sql(text, params);
    expect({ status: response.status, message: response.body.message }).toEqual({
      status: 200,
      message: undefined,
    });
    return response.body[0] as { columns: string[]; rows: Row[]; notices: string[] };
  };

  const seed = async (subscription: string, service: string, minutesAgo: number, f: Figures) => {
    await server.app.get(MetricsRepository).add([
      {
        subscription,
        service,
        minute: minuteAgo(minutesAgo),
        counters: {
          ...emptyCounters(),
          received: f.received,
          delivered: f.delivered,
          failedAttempts: f.failedAttempts ?? 0,
          deadLettered: f.deadLettered ?? 0,
        },
        handler: { count: f.handlerCount, sumMs: f.handlerSumMs, maxMs: 0, buckets: {} },
        latency: { count: 0, sumMs: 0, maxMs: 0, buckets: {} },
        byOperation: {},
        byCollection: {},
        errors: {},
        lagMaxMs: f.lagMaxMs ?? 0,
      },
    ]);
  };

  beforeAll(async () => {
    server = await startRelay({ SQL_MAX_ROWS: '100', SQL_MAX_TIME_MS: '3000' });
    const create = (name: string, service: string, state = 'paused') =>
      sql(
        `CREATE EVENT_SUBSCRIPTION ${name} AS (service_name = '${service}', database = 'sqlq', handler = 'log', state = '${state}')`,
      ).expect(200);
    await create('q_fast', 'orders');
    await create('q_failing', 'orders');
    await create('q_slow', 'billing');
    await create('q_running', 'billing', 'active');
    // Last hour.
    await seed('q_fast', 'orders', 5, {
      received: 120,
      delivered: 119,
      handlerCount: 119,
      handlerSumMs: 1190,
    });
    await seed('q_fast', 'orders', 40, {
      received: 80,
      delivered: 80,
      handlerCount: 80,
      handlerSumMs: 1000,
    });
    await seed('q_failing', 'orders', 2, {
      received: 100,
      delivered: 90,
      failedAttempts: 25,
      deadLettered: 10,
      handlerCount: 90,
      handlerSumMs: 4500,
      lagMaxMs: 400_000,
    });
    await seed('q_slow', 'billing', 10, {
      received: 3,
      delivered: 3,
      handlerCount: 3,
      handlerSumMs: 20_000,
    });
    // Earlier today, and yesterday (outside 24 h).
    await seed('q_fast', 'orders', 180, {
      received: 7,
      delivered: 7,
      handlerCount: 7,
      handlerSumMs: 70,
    });
    await seed('q_slow', 'billing', 1_200, {
      received: 11,
      delivered: 10,
      deadLettered: 1,
      handlerCount: 10,
      handlerSumMs: 100,
    });
    await seed('q_fast', 'orders', 1_800, {
      received: 1_000,
      delivered: 1_000,
      handlerCount: 1_000,
      handlerSumMs: 1,
    });
    const deadLetters = server.app.get(DeadLettersRepository);
    for (const n of [1, 2, 3]) {
      await deadLetters.store({
        subscription: 'q_failing',
        service: 'orders',
        eventId: `e-${n}`,
        event: { operationType: 'insert', ns: { db: 'sqlq', coll: 'orders' } },
        key: `k-${n}`,
        position: { token: `0${n}` },
        attempts: 3,
        error: { name: 'HandlerError', message: 'boom' },
        retentionDays: 1,
      });
    }
    await waitUntilRunning(server, 'q_running');
  });

  afterAll(async () => {
    await server?.close();
  });

  it('counts, success rate and average processing time per subscription equal the overview', async () => {
    const result = await query(`
      -- per subscription, last hour
      SELECT subscription_name,
             SUM(received) AS received, SUM(delivered) AS delivered,
             SUM(failed_attempts) AS failed_attempts, SUM(dead_lettered) AS dead_lettered,
             ROUND(CASE WHEN SUM(received) = 0 THEN 100
                        ELSE LEAST(100, 100.0 * SUM(delivered) / SUM(received)) END, 2) AS success_rate,
             ROUND(COALESCE(SUM(handler_sum_ms) / SUM(handler_count), 0), 2) AS avg_processing_ms
      FROM EVENT_METRICS
      WHERE minute >= DATE_SUB(NOW(), INTERVAL 1 HOUR)
      GROUP BY subscription_name
      ORDER BY subscription_name`);
    const { body: overview } = await server.api.http
      .get('/api/v1/analytics/overview?range=1h')
      .expect(200);
    type OverviewRow = {
      name: string;
      counts: Record<string, number>;
      successRate: number;
      latency: { averageHandlerMs: number };
    };
    const expected = (overview.subscriptions as OverviewRow[])
      .filter((row) => row.counts.received > 0)
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((row) => [
        row.name,
        row.counts.received,
        row.counts.delivered,
        row.counts.failedAttempts,
        row.counts.deadLettered,
        row.successRate,
        row.latency.averageHandlerMs,
      ]);
    expect(result.columns).toEqual([
      'subscription_name',
      'received',
      'delivered',
      'failed_attempts',
      'dead_lettered',
      'success_rate',
      'avg_processing_ms',
    ]);
    expect(result.rows).toEqual(expected);
    expect(result.rows).toEqual([
      ['q_failing', 100, 90, 25, 10, 90, 50],
      ['q_fast', 200, 199, 0, 0, 99.5, 11.01],
      ['q_slow', 3, 3, 0, 0, 100, 6666.67],
    ]);
  });

  it("a CASE health column and the table's health equal the overview's verdicts", async () => {
    const result = await query(`
      WITH hour AS (
        SELECT subscription_name, SUM(received) AS received, SUM(delivered) AS delivered,
               SUM(dead_lettered) AS dead, SUM(handler_sum_ms) AS handler_ms,
               SUM(handler_count) AS handled, MAX(lag_max_ms) AS lag
        FROM EVENT_METRICS WHERE minute >= DATE_SUB(NOW(), INTERVAL 1 HOUR)
        GROUP BY subscription_name
      )
      SELECT s.name, s.service_name, s.health,
             CASE
               WHEN s.state = 'stale' OR 100.0 * h.dead / (h.delivered + h.dead) > 5 THEN 'Critical'
               WHEN 100.0 * h.dead / (h.delivered + h.dead) > 1
                    OR 100.0 * h.delivered / h.received < 95 OR h.lag > 300000 THEN 'Warning'
               WHEN h.handler_ms / h.handled > 5000 THEN 'Degraded'
               ELSE 'Healthy'
             END AS health_status
      FROM EVENT_SUBSCRIPTIONS() s
      LEFT JOIN hour h ON h.subscription_name = s.name
      ORDER BY s.name`);
    const { body: overview } = await server.api.http
      .get('/api/v1/analytics/overview?range=1h')
      .expect(200);
    const verdicts = (
      overview.subscriptions as { name: string; service: string; health: { status: string } }[]
    )
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((row) => [row.name, row.service, row.health.status, row.health.status]);
    expect(result.rows).toEqual(verdicts);
    expect(result.rows.map((row) => row[2])).toEqual([
      'Critical',
      'Healthy',
      'Healthy',
      'Degraded',
    ]);
  });

  it('hourly buckets over the last 24 hours equal the trends', async () => {
    const result = await query(`
      SELECT DATE_FORMAT(minute, '%Y-%m-%dT%H:00:00.000Z') AS hour,
             SUM(received) AS events, SUM(dead_lettered) AS dead_lettered
      FROM EVENT_METRICS
      WHERE minute >= DATE_SUB(NOW(), INTERVAL 24 HOUR)
      GROUP BY hour
      ORDER BY hour`);
    const { body: trends } = await server.api.http
      .get('/api/v1/analytics/trends?range=24h&bucket=hour')
      .expect(200);
    const points = (
      trends.series[0].points as { at: string; received: number; deadLettered: number }[]
    )
      .filter((point) => point.received > 0)
      .map((point) => [point.at, point.received, point.deadLettered]);
    expect(result.rows).toEqual(points);
    expect(result.rows.map((row) => row[1]).reduce((a, b) => Number(a) + Number(b), 0)).toBe(
      120 + 80 + 100 + 3 + 7 + 11,
    );
  });

  it('joins subscriptions to their rollups and groups by service', async () => {
    const result = await query(
      `SELECT s.service_name, COUNT(DISTINCT s.name) AS subscriptions, SUM(m.received) AS received,
              ROUND(100.0 * SUM(m.delivered) / SUM(m.received), 2) AS success_rate
       FROM EVENT_SUBSCRIPTIONS() s
       JOIN EVENT_METRICS m ON m.subscription_name = s.name
       WHERE m.minute >= DATE_SUB(NOW(), INTERVAL 1 HOUR) AND s.name LIKE :pattern
       GROUP BY s.service_name
       HAVING SUM(m.received) > 0
       ORDER BY received DESC`,
      { pattern: 'q\\_%' },
    );
    const { body: overview } = await server.api.http
      .get('/api/v1/analytics/overview?range=1h')
      .expect(200);
    const services = Object.fromEntries(
      (overview.services as { service: string; successRate: number }[]).map((s) => [
        s.service,
        s.successRate,
      ]),
    );
    expect(result.rows).toEqual([
      ['orders', 2, 300, services.orders],
      ['billing', 1, 3, 100],
    ]);
  });

  it('the built-in view microservices_event_dashboard returns the dashboard figures', async () => {
    const view = await query('SELECT * FROM microservices_event_dashboard');
    const { body: dashboard } = await server.api.http.get('/api/v1/dashboard').expect(200);
    const row = Object.fromEntries(view.columns.map((column, i) => [column, view.rows[0][i]]));
    expect(row).toEqual({
      timestamp: expect.any(String),
      active_streams: dashboard.activeStreams,
      active_subscriptions: dashboard.activeSubscriptions,
      total_subscriptions: dashboard.totalSubscriptions,
      events_per_minute: dashboard.eventsPerMinute,
      errors_last_hour: dashboard.errorsLastHour,
      dead_letters_last_hour: dashboard.deadLettersLastHour,
      pending_dead_letters: dashboard.pendingDeadLetters,
      average_handling_ms: dashboard.averageHandlingMs,
      largest_lag_ms: dashboard.largestLagMs,
      health: dashboard.health.status,
    });
    expect(row).toMatchObject({
      active_streams: 1,
      total_subscriptions: 4,
      pending_dead_letters: 3,
    });
  });

  it('reads active change streams and dead letters', async () => {
    const streams = await query(
      'SELECT subscription_name, service_name, worker_state FROM ACTIVE_CHANGE_STREAMS() WHERE owner IS NOT NULL',
    );
    expect(streams.rows).toEqual([['q_running', 'billing', 'running']]);
    const letters = await query(
      `SELECT subscription_name, status, COUNT(*) AS entries, MAX(attempts) AS attempts,
              MIN(TIMESTAMPDIFF(SECOND, created_at, NOW())) >= 0 AS aged
       FROM DEAD_LETTER_EVENTS() GROUP BY subscription_name, status`,
    );
    expect(letters.rows).toEqual([['q_failing', 'pending', 3, 3, true]]);
  });

  it('stores views per deployment (operator) and reads them like tables', async () => {
    await sql(
      "CREATE VIEW failing AS SELECT name FROM EVENT_SUBSCRIPTIONS() WHERE health = 'Critical'",
    ).expect(200);
    expect((await query('SELECT * FROM failing')).rows).toEqual([['q_failing']]);
    await sql('CREATE VIEW failing AS SELECT name FROM EVENT_SUBSCRIPTIONS()').expect(409);
    const shown = await query('SHOW VIEWS');
    expect(shown.rows.map((row) => row[0])).toEqual(['microservices_event_dashboard', 'failing']);
    await sql('DROP VIEW failing; DROP VIEW IF EXISTS failing').expect(200);
    await sql('SELECT * FROM failing').expect(400);
  });

  it('answers the rest of the SELECT grammar as SQL does', async () => {
    const rows = async (text: string) => (await query(text)).rows;
    expect(
      await rows(`WITH m AS (SELECT subscription_name AS name, received FROM EVENT_METRICS WHERE service_name = 'orders')
                  SELECT DISTINCT name FROM m WHERE received BETWEEN 80 AND 120 ORDER BY 1 DESC`),
    ).toEqual([['q_fast'], ['q_failing']]);
    expect(
      await rows(`SELECT name, UPPER(service_name) || '/' || CAST(revision AS CHAR) AS label
                  FROM EVENT_SUBSCRIPTIONS() WHERE name IN ('q_slow', 'q_running') AND stale_reason IS NULL
                  ORDER BY name LIMIT 1 OFFSET 1`),
    ).toEqual([['q_slow', 'BILLING/1']]);
    expect(
      await rows(`SELECT COUNT(last_error_message) AS with_error, COUNT(*) AS all_rows,
                         MIN(minute) < NOW() AS past, SUM(received) / 0 AS by_zero
                  FROM EVENT_METRICS WHERE subscription_name = 'q_fast'`),
    ).toEqual([[0, 4, true, null]]);
    expect(
      await rows(`SELECT TIMESTAMPDIFF(MINUTE, DATE_SUB(NOW(), INTERVAL 90 SECOND), NOW()) AS minutes,
                         DATE_FORMAT(DATE_TRUNC('day', NOW()), '%H:%i') AS midnight,
                         COALESCE(NULL, NULL, 'x') AS first_value, ROUND(-2.5) AS rounded
                  FROM EVENT_SUBSCRIPTIONS() WHERE name = 'q_fast'`),
    ).toEqual([[1, '00:00', 'x', -3]]);
    expect(
      await rows(`SELECT s.name, COUNT(m.minute) AS minutes FROM EVENT_SUBSCRIPTIONS() s
                  LEFT JOIN EVENT_METRICS m USING (service_name)
                  WHERE s.service_name = 'billing' GROUP BY s.name ORDER BY s.name`),
    ).toEqual([
      ['q_running', 2],
      ['q_slow', 2],
    ]);
  });

  it('reports syntax errors, unknown tables and columns with line and column', async () => {
    const syntax = await sql('SELECT name\nFROM EVENT_SUBSCRIPTIONS()\nWHERE name = = 1').expect(
      400,
    );
    expect(syntax.body.message).toMatch(/^Syntax error at line 3, column 14: /);
    const table = await sql('SELECT *\n  FROM EVENT_SUBSCRIPTION()').expect(400);
    expect(table.body.message).toMatch(
      /^Unknown table "EVENT_SUBSCRIPTION" at line 2, column 8; the tables are EVENT_SUBSCRIPTIONS\(\), /,
    );
    const column = await sql('SELECT name FROM EVENT_METRICS WHERE receivd > 1').expect(400);
    expect(column.body.message).toMatch(
      /^unknown column receivd; the columns are subscription_name, /,
    );
  });

  it('refuses other collections, other databases, $where and writes', async () => {
    for (const statement of [
      'SELECT * FROM subscriptions',
      'SELECT * FROM checkpoints',
      'SELECT * FROM sql_views',
      'SELECT * FROM admin.system_users',
      'SELECT * FROM change_relay.leases',
    ]) {
      const { body } = await sql(statement).expect(400);
      expect(body.message).toMatch(/^Unknown table /);
    }
    const where = await sql('SELECT name FROM EVENT_SUBSCRIPTIONS() WHERE "$where" = \'1\'').expect(
      400,
    );
    expect(where.body.message).toMatch(/unknown column \$where/);
    // A parameter is data: an operator in it is never evaluated.
    const param = await query('SELECT COUNT(*) FROM EVENT_SUBSCRIPTIONS() WHERE name = :p', {
      p: { $where: 'sleep(1000)' },
    });
    expect(param.rows).toEqual([[0]]);
    for (const statement of [
      "DELETE FROM EVENT_METRICS WHERE subscription_name = 'q_fast'",
      "UPDATE EVENT_SUBSCRIPTIONS SET name = 'x'",
      "INSERT INTO EVENT_METRICS (subscription_name) VALUES ('x')",
      'SELECT name INTO copy FROM EVENT_SUBSCRIPTIONS()',
    ]) {
      const { body } = await sql(statement).expect(400);
      expect(body.message).toMatch(/refused/);
    }
    expect(
      (await query("SELECT COUNT(*) FROM EVENT_METRICS WHERE subscription_name = 'q_fast'")).rows,
    ).toEqual([[4]]);
  });

  it('needs the role of each REST twin, and shows a service-scoped token its services only', async () => {
    const token = async (name: string, role: string, services?: string[]) => {
      const { body } = await server.api.http
        .post('/api/v1/tokens')
        .send({ name, role, ...(services ? { services } : {}) })
        .expect(201);
      return (text: string) =>
        withToken(server.app, body.token as string)
          .post('/api/v1/sql')
          .send({ sql: text });
    };
    const viewer = await token('sql-viewer', 'viewer');
    const operator = await token('sql-operator', 'operator');
    const billing = await token('sql-billing', 'viewer', ['billing']);
    await viewer('SELECT COUNT(*) FROM EVENT_SUBSCRIPTIONS()').expect(200);
    await viewer('SHOW EVENT_SUBSCRIPTIONS').expect(200);
    const refused = await viewer('PAUSE EVENT_SUBSCRIPTION q_fast').expect(403);
    expect(refused.body.message).toBe(
      'This operation needs the operator role (the token is viewer)',
    );
    await viewer('CREATE VIEW v AS SELECT name FROM EVENT_SUBSCRIPTIONS()').expect(403);
    await operator('PAUSE EVENT_SUBSCRIPTION q_fast').expect(200);
    await operator("CREATE EVENT_SUBSCRIPTION op_made AS (database = 'x', handler = 'log')").expect(
      403,
    );
    await operator("ALTER EVENT_SUBSCRIPTION q_fast SET (description = 'x')").expect(403);
    await operator('CREATE VIEW op_view AS SELECT name FROM EVENT_SUBSCRIPTIONS()').expect(200);
    await operator('DROP VIEW op_view').expect(200);
    const names = await billing('SELECT name FROM EVENT_SUBSCRIPTIONS() ORDER BY name').expect(200);
    expect(names.body[0].rows).toEqual([['q_running'], ['q_slow']]);
    const rollups = await billing('SELECT DISTINCT service_name FROM EVENT_METRICS').expect(200);
    expect(rollups.body[0].rows).toEqual([['billing']]);
    const letters = await billing('SELECT COUNT(*) FROM DEAD_LETTER_EVENTS()').expect(200);
    expect(letters.body[0].rows).toEqual([[0]]);
    await billing('SHOW CREATE EVENT_SUBSCRIPTION q_fast').expect(404);
  });

  it('reads the event journal as CHANGE_STREAM_EVENTS()', async () => {
    // Records as the journal writer (issue 15) stores them in `event_journal`.
    const journal = server.app.get<Connection>(getConnectionToken()).collection('event_journal');
    const at = (minutesAgo: number) => new Date(now - minutesAgo * MINUTE);
    const record = (
      n: number,
      outcome: string,
      service: string,
      handlingMs: number,
      minutesAgo: number,
    ) => ({
      _id: `q_fast|e${n}`,
      eventId: `e${n}`,
      subscription: service === 'orders' ? 'q_fast' : 'q_slow',
      service,
      sourceService: 'users',
      ns: { db: 'sqlq', coll: 'users' },
      operationType: 'insert',
      documentKey: { _id: n },
      correlationId: `order-${n % 3}`,
      processId: null,
      outcome,
      attempts: outcome === 'delivered' ? 1 : 3,
      changedAt: at(minutesAgo),
      receivedAt: at(minutesAgo),
      completedAt: new Date(at(minutesAgo).getTime() + handlingMs),
      handlingMs,
      latencyMs: handlingMs + 5,
      sizeBytes: 200,
      fields: { orderTotal: n * 10 },
      error: outcome === 'delivered' ? null : { message: 'boom', code: null },
      expireAt: new Date(now + 86_400_000),
    });
    await journal.insertMany([
      record(1, 'delivered', 'orders', 10, 5),
      record(2, 'delivered', 'orders', 30, 70),
      record(3, 'dead-lettered', 'orders', 50, 10),
      record(4, 'delivered', 'billing', 100, 20),
      record(5, 'delivered', 'orders', 20, 60 * 30),
    ] as never[]);
    const byStatus = await query(`
      SELECT service_name, processing_status, COUNT(*) AS events,
             AVG(processing_duration_ms) AS avg_processing_ms
      FROM CHANGE_STREAM_EVENTS()
      WHERE event_timestamp >= DATE_SUB(NOW(), INTERVAL 24 HOUR)
      GROUP BY service_name, processing_status
      ORDER BY service_name, processing_status`);
    expect(byStatus.rows).toEqual([
      ['billing', 'delivered', 1, 100],
      ['orders', 'dead-lettered', 1, 50],
      ['orders', 'delivered', 2, 20],
    ]);
    const rate = await query(`
      SELECT subscription_name,
             ROUND(100.0 * SUM(CASE WHEN processing_status = 'delivered' THEN 1 ELSE 0 END) / COUNT(*), 2) AS success_rate,
             COUNT(DISTINCT correlation_id) AS processes,
             MAX(TIMESTAMPDIFF(SECOND, event_timestamp, NOW())) < 7200 AS recent
      FROM CHANGE_STREAM_EVENTS()
      WHERE event_timestamp >= DATE_SUB(NOW(), INTERVAL 2 HOUR)
      GROUP BY subscription_name ORDER BY subscription_name`);
    expect(rate.rows).toEqual([
      ['q_fast', 66.67, 3, true],
      ['q_slow', 100, 1, true],
    ]);
    // A journal field is a column, under the name the subscription gave it.
    const totals = await query(
      'SELECT e.subscription_name, SUM(e.orderTotal) AS total FROM CHANGE_STREAM_EVENTS() e GROUP BY e.subscription_name ORDER BY 1',
    );
    expect(totals.rows).toEqual([
      ['q_fast', 10 + 20 + 30 + 50],
      ['q_slow', 40],
    ]);
  });

  describe('with the journal analytics', () => {
    it('journal queries equal the interactions analytics for the same window', async () => {
      const result = await query(`
        SELECT source_service, service_name, collection_name, operation_type, COUNT(*) AS count,
               SUM(CASE WHEN processing_status IN ('delivered', 'replayed') THEN 1 ELSE 0 END) / COUNT(*) AS success_rate,
               SUM(CASE WHEN processing_status IN ('failed', 'dead-lettered') THEN 1 ELSE 0 END) AS failed,
               AVG(processing_duration_ms) AS avg_handling_ms, MAX(processing_duration_ms) AS max_handling_ms
        FROM CHANGE_STREAM_EVENTS()
        WHERE received_at >= DATE_SUB(NOW(), INTERVAL 2 HOUR) AND processing_status <> 'pending'
        GROUP BY source_service, service_name, collection_name, operation_type
        ORDER BY count DESC, service_name, collection_name, operation_type`);
      const { body } = await server.api.http
        .get('/api/v1/analytics/interactions?range=2h')
        .expect(200);
      type Edge = Record<string, unknown>;
      expect(result.rows).toEqual(
        (body.edges as Edge[]).map((edge) => [
          edge.sourceService,
          edge.service,
          edge.collection,
          edge.operationType,
          edge.count,
          edge.successRate,
          edge.failed,
          edge.avgHandlingMs,
          edge.maxHandlingMs,
        ]),
      );
    });
  });

  it('bounds a query over a large table in rows and in time', async () => {
    const repository = server.app.get(MetricsRepository);
    await repository.add(
      Array.from({ length: 3_000 }, (_, n) => ({
        subscription: 'q_big',
        service: 'bulk',
        minute: minuteAgo(1_500 + n),
        counters: { ...emptyCounters(), received: 1 },
        handler: { count: 0, sumMs: 0, maxMs: 0, buckets: {} },
        latency: { count: 0, sumMs: 0, maxMs: 0, buckets: {} },
        byOperation: {},
        byCollection: {},
        errors: {},
        lagMaxMs: 0,
      })),
    );
    const rows = await query("SELECT * FROM EVENT_METRICS WHERE service_name = 'bulk'");
    expect(rows.rows).toHaveLength(100);
    expect(rows.notices).toEqual([expect.stringContaining('the result was cut at 100 rows')]);
    const started = Date.now();
    const slow = await sql(
      'SELECT COUNT(*) FROM EVENT_METRICS a CROSS JOIN EVENT_METRICS b WHERE a.received = b.received',
    ).expect(400);
    expect(slow.body.message).toBe(
      'The query ran longer than 3000 ms and was stopped; narrow it with WHERE or LIMIT',
    );
    expect(Date.now() - started).toBeLessThan(15_000);
    await waitFor(
      async () => (await sql('SELECT 1 AS one FROM EVENT_METRICS LIMIT 1')).status === 200,
      {
        description: 'the server to answer again',
      },
    );
  });
});
