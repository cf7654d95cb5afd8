import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { TEST_ADMIN_TOKEN, testEnv, waitFor, WebhookReceiver } from '@app/testing';
import { startServer, type Server } from '../src/bootstrap';
import { launchBrowser, openPage, screenshot } from './support/browser';
import { SourceData } from './support/source-data';

const ROOT = join(__dirname, '..');

/** The dashboard as CI gets it on a clean clone: built by the same script `npm start` runs. */
function buildDashboard(): void {
  const result = spawnSync(process.execPath, [join(ROOT, 'scripts', 'dashboard-build.js')], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  if (result.status !== 0) {
    throw new Error(`dashboard build failed: ${result.stdout}${result.stderr}`);
  }
}

async function api<T = any>(server: Server, method: string, path: string, body?: unknown) {
  const response = await fetch(`${server.url}/api/v1${path}`, {
    method,
    headers: {
      authorization: `Bearer ${TEST_ADMIN_TOKEN}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
}

/**
 * Acceptance of the web dashboard (issue 17) in headless Chromium against the real server: log
 * in, see the subscriptions with their states, pause one from the page, bulk-replay the dead
 * letters of a failing subscription while the progress bar follows the job, and see the API's
 * validation error at the pipeline field. Any console error or page error fails the test.
 */
describe('Web dashboard', () => {
  let server: Server;
  let source: SourceData;
  let receiver: WebhookReceiver;
  let browser: Browser;
  let page: Page;
  let problems: string[];

  async function subscribe(name: string, service: string, path: string) {
    const created = await api(server, 'POST', '/subscriptions', {
      name,
      serviceName: service,
      description: `${service}: ${name}`,
      source: { database: source.database, collections: [name] },
      handler: { type: 'webhook', url: receiver.urlFor(path), timeoutMs: 2_000 },
      retry: { maxAttempts: 1, initialDelayMs: 1, maxDelayMs: 5 },
    });
    expect(created.status).toBe(201);
    await waitFor(
      async () =>
        (await api(server, 'GET', `/subscriptions/${name}/status`)).body.actualState === 'running',
      { timeoutMs: 15_000, description: `${name} to run` },
    );
  }

  beforeAll(async () => {
    buildDashboard();
    [server, source, receiver, browser] = await Promise.all([
      startServer({
        env: testEnv({
          METRICS_FLUSH_INTERVAL_MS: '1000',
          // The failing webhook is on purpose: its dead-letter logs would only be noise here.
          LOG_LEVEL: process.env.LOG_LEVEL ?? 'fatal',
        }),
      }),
      SourceData.connect(),
      WebhookReceiver.start(),
      launchBrowser(),
    ]);
    ({ page, problems } = await openPage(browser));
    receiver.respondWith({
      status: 500,
      body: '{"error":"ledger down"}',
      when: (r) => r.path === '/payments',
    });
    await subscribe('orders-to-billing', 'billing', '/billing');
    await subscribe('inventory-sync', 'inventory', '/inventory');
    await subscribe('payments-ledger', 'payments', '/payments');
    await source.insertNumbered('orders-to-billing', 'order', 1, 12);
    await source.insertNumbered('payments-ledger', 'payment', 1, 3);
    await waitFor(
      async () =>
        (await api(server, 'GET', '/dead-letters?subscription=payments-ledger&status=pending')).body
          .total === 3,
      { timeoutMs: 20_000, description: 'three dead letters of payments-ledger' },
    );
    // The figures the overview shows come from the flushed rollups.
    await waitFor(
      async () =>
        (await api(server, 'GET', '/analytics/overview?range=1h')).body.totals.received >= 15,
      { timeoutMs: 20_000, description: 'the rollups to count the events' },
    );
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await Promise.all([server?.close(), source?.close(), receiver?.close()]);
  });

  afterEach(() => {
    // No console error, failed load or uncaught exception in the browser during the test.
    const found = problems.splice(0);
    if (found.length > 0) {
      throw new Error(`the browser reported errors:\n${found.join('\n')}`);
    }
  });

  it('logs in with a token and shows the overview: health with reasons, figures, chart, instances', async () => {
    await page.goto(`${server.url}/`);
    await page.getByLabel('API token').fill(TEST_ADMIN_TOKEN);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    await page.locator('.uplot').waitFor();

    // Expressions run in the page (this file compiles without the DOM types).
    await expect(page.evaluate("sessionStorage.getItem('change-relay.token')")).resolves.toBe(
      TEST_ADMIN_TOKEN,
    );
    // The failing subscription makes the overall health critical, with its reason listed.
    await page.locator('.health-card .health-critical').waitFor();
    await expect(page.locator('.health-card .reasons').innerText()).resolves.toMatch(
      /payments-ledger/,
    );
    await expect(
      page
        .getByRole('row', { name: /payments/ })
        .first()
        .innerText(),
    ).resolves.toMatch(/Critical/);
    await expect(
      page
        .getByRole('row', { name: /billing/ })
        .first()
        .innerText(),
    ).resolves.toMatch(/Healthy/);
    const pending = page.locator('.stat', { hasText: 'Dead letters pending' });
    await expect(pending.innerText()).resolves.toMatch(/3/);
    const instance = (await api(server, 'GET', '/instances')).body[0];
    await expect(
      page.getByRole('row', { name: new RegExp(instance.id) }).innerText(),
    ).resolves.toMatch(/orders-to-billing/);
    await screenshot(page, 'overview');
  });

  it('lists the subscriptions with their states, filters and sorts them, also at phone width', async () => {
    await page.getByRole('link', { name: 'Subscriptions' }).click();
    const table = page.locator('.subscriptions-table');
    await table.waitFor();
    for (const name of ['orders-to-billing', 'inventory-sync', 'payments-ledger']) {
      const row = page.locator(`tr[data-subscription="${name}"]`);
      await expect(row.innerText()).resolves.toMatch(/active/);
    }
    await screenshot(page, 'subscriptions');

    await page.getByLabel('Filter').fill('inventory');
    await waitFor(async () => (await page.locator('tbody tr').count()) === 1);
    await page.getByLabel('Filter').fill('');
    await page.getByRole('button', { name: 'Name' }).click(); // descending now
    await expect(page.locator('tbody tr').first().getAttribute('data-subscription')).resolves.toBe(
      'payments-ledger',
    );

    const phone = await openPage(browser, { width: 390, height: 844 });
    await phone.page.goto(`${server.url}/`);
    await phone.page.getByLabel('API token').fill(TEST_ADMIN_TOKEN);
    await phone.page.keyboard.press('Enter');
    await phone.page.getByRole('heading', { name: 'Overview' }).waitFor();
    await phone.page.locator('.uplot').waitFor();
    const width = await phone.page.evaluate('document.documentElement.scrollWidth');
    expect(width).toBeLessThanOrEqual(390);
    await screenshot(phone.page, 'overview-phone');
    await phone.page.context().close();
    expect(phone.problems).toEqual([]);
  });

  it('pauses a subscription from its page after a confirmation, and the API reports it paused', async () => {
    await page.locator('tr[data-subscription="inventory-sync"] a').click();
    await page.getByRole('heading', { name: 'inventory-sync' }).waitFor();
    await page.locator('.uplot').waitFor();
    await expect(page.locator('.definition').innerText()).resolves.toMatch(
      /signing secret not set/,
    );
    await screenshot(page, 'subscription-detail');

    await page.getByRole('button', { name: 'Pause' }).click();
    const dialog = page.getByRole('dialog', { name: 'Pause inventory-sync?' });
    await dialog.waitFor();
    await dialog.getByRole('button', { name: 'Pause' }).click();
    await dialog.waitFor({ state: 'detached' });

    const status = await waitFor(
      async () => {
        const { body } = await api(server, 'GET', '/subscriptions/inventory-sync/status');
        return body.state === 'paused' && body;
      },
      { description: 'the API to report inventory-sync paused' },
    );
    expect(status.desiredState).toBe('paused');
    await page.getByRole('button', { name: 'Resume' }).waitFor();
    await expect(page.locator('.stat', { hasText: 'State' }).innerText()).resolves.toMatch(
      /paused/,
    );
    // The oplog margin the API reports, with its verdict and share of the window.
    expect(status.oplog).toMatchObject({ available: true, status: 'Healthy' });
    const oplogStat = page.locator('.stat', { hasText: 'Oplog margin' });
    await waitFor(async () => /Healthy · [\d.]+ ?% of a/.test(await oplogStat.innerText()), {
      description: 'the oplog margin with its verdict',
    });
  });

  it('bulk-replays the dead letters of the failing subscription, the progress bar following the job to its end', async () => {
    // The detail page's top errors are the errors analytics of the subscription.
    await page.goto(`${server.url}/#/subscriptions/payments-ledger`);
    await page.getByRole('heading', { name: 'payments-ledger' }).waitFor();
    const { body: errors } = await waitFor(
      async () => {
        const answer = await api(
          server,
          'GET',
          '/analytics/errors?range=1h&subscription=payments-ledger',
        );
        return answer.body.deadLettered === 3 && answer;
      },
      { description: 'the errors analytics to count the three dead letters' },
    );
    const top = errors.errors[0];
    expect(top).toMatchObject({ httpStatus: 500, deadLettered: 3 });
    const topRow = page.locator('.top-errors tbody tr').first();
    await waitFor(
      async () => (await topRow.count()) === 1 && /\b3\b/.test(await topRow.innerText()),
      {
        description: 'the top error row with its three dead letters',
      },
    );
    await expect(topRow.innerText()).resolves.toMatch(new RegExp(`${top.name}[\\s\\S]*500`));

    await page.goto(`${server.url}/#/dead-letters?subscription=payments-ledger`);
    await page.getByRole('heading', { name: 'Dead letters' }).waitFor();
    await waitFor(async () => (await page.locator('.dead-letters-table tbody tr').count()) === 3, {
      description: 'three dead letters listed',
    });
    await expect(page.locator('.dead-letters-table').innerText()).resolves.toMatch(/HTTP 500/);

    const first = page.getByRole('button', { name: /^Inspect / }).first();
    await first.click();
    const inspector = page.getByRole('dialog', { name: /^Dead letter / });
    await inspector.locator('.event-json').waitFor();
    await expect(inspector.locator('.event-json').innerText()).resolves.toMatch(
      /"operationType": "insert"/,
    );
    await screenshot(page, 'dead-letter-inspect');
    await page.keyboard.press('Escape');
    await inspector.waitFor({ state: 'detached' });
    await screenshot(page, 'dead-letters');

    // The receiver is fixed: the replays succeed.
    receiver.clearRules();
    await page.getByRole('button', { name: 'Replay all pending of payments-ledger' }).click();
    const confirm = page.getByRole('dialog', { name: /Replay the pending dead letters/ });
    await expect(confirm.innerText()).resolves.toMatch(/3 entries/);
    await confirm.getByRole('button', { name: 'Replay' }).click();

    const job = page.locator('.replay-job[data-state="done"]');
    await job.waitFor({ timeout: 30_000 });
    const bar = job.getByRole('progressbar', { name: 'Replay progress' });
    const [value, max] = await Promise.all([bar.getAttribute('value'), bar.getAttribute('max')]);
    expect([value, max]).toEqual(['3', '3']);
    const jobId = await job.getAttribute('data-job-id');
    const { body: reported } = await api(server, 'GET', `/dead-letters/replays/${jobId}`);
    expect(reported).toMatchObject({
      state: 'done',
      total: 3,
      succeeded: 3,
      failed: 0,
      skipped: 0,
    });
    await expect(job.locator('.replay-counts').innerText()).resolves.toBe(
      `${reported.total} of ${reported.total} processed: ${reported.succeeded} succeeded, ${reported.failed} failed, ${reported.skipped} skipped`,
    );
    await screenshot(page, 'dead-letters-replayed');
    await waitFor(async () => (await page.locator('.dead-letters-table').count()) === 0, {
      description: 'the pending list to empty',
    });
  });

  it('shows the API validation error of a bad pipeline at the pipeline field, and creates nothing', async () => {
    await page.goto(`${server.url}/#/subscriptions/new`);
    await page.getByRole('heading', { name: 'New subscription' }).waitFor();
    await page.getByLabel('Name', { exact: true }).fill('bad-pipeline');
    await page.getByLabel('Database', { exact: true }).fill(source.database);
    await page.getByLabel('Webhook URL').fill(receiver.urlFor('/bad'));
    await page.getByLabel('Pipeline', { exact: true }).fill('[{"$where": "this.total > 100"}]');
    await page.getByRole('button', { name: 'Create subscription' }).click();

    const pipeline = page.getByLabel('Pipeline', { exact: true });
    await waitFor(async () => (await pipeline.getAttribute('aria-invalid')) === 'true', {
      description: 'the pipeline field to be marked invalid',
    });
    const describedBy = (await pipeline.getAttribute('aria-describedby')) ?? '';
    const errorId = describedBy.split(' ').find((id) => id.endsWith('-errors'));
    const fieldError = await page.locator(`[id="${errorId}"]`).innerText();
    // The first field to fix has the focus.
    const pipelineId = await pipeline.getAttribute('id');
    await waitFor(async () => (await page.evaluate('document.activeElement.id')) === pipelineId, {
      description: 'the focus on the pipeline field',
    });
    expect(fieldError).toMatch(/stage 0 \(\$where\) is not allowed/);
    await expect(
      page.getByLabel('Name', { exact: true }).getAttribute('aria-invalid'),
    ).resolves.toBe('false');
    await screenshot(page, 'subscription-form-error');
    expect((await api(server, 'GET', '/subscriptions/bad-pipeline')).status).toBe(404);
  });

  it('shows a viewer the role it lacks when it tries to act', async () => {
    const { body: token } = await api(server, 'POST', '/tokens', {
      name: 'dashboard-viewer',
      role: 'viewer',
    });
    const viewer = await openPage(browser);
    await viewer.page.goto(`${server.url}/#/subscriptions/orders-to-billing`);
    await viewer.page.getByLabel('API token').fill(token.token);
    await viewer.page.getByRole('button', { name: 'Sign in' }).click();
    await viewer.page.getByRole('heading', { name: 'orders-to-billing' }).waitFor();
    await viewer.page.getByRole('button', { name: 'Pause' }).click();
    const dialog = viewer.page.getByRole('dialog', { name: 'Pause orders-to-billing?' });
    await dialog.getByRole('button', { name: 'Pause' }).click();
    await expect(dialog.getByRole('alert').innerText()).resolves.toMatch(
      /Not allowed: This operation needs the operator role \(the token is viewer\)/,
    );
    expect((await api(server, 'GET', '/subscriptions/orders-to-billing/status')).body.state).toBe(
      'active',
    );
    await viewer.page.context().close();
    expect(viewer.problems).toEqual([]);
  });

  it('resyncs a subscription after a confirmation (its documents arrive again), and shows the oplog window when a rewind reaches too far', async () => {
    await page.goto(`${server.url}/#/subscriptions/orders-to-billing`);
    await page.getByRole('heading', { name: 'orders-to-billing' }).waitFor();
    const billed = () => receiver.events((event) => event.ns?.coll === 'orders-to-billing').length;
    const before = billed();
    expect(before).toBeGreaterThanOrEqual(12);

    await page.getByRole('button', { name: 'Resync' }).click();
    const resync = page.getByRole('dialog', { name: 'Resync orders-to-billing?' });
    await expect(resync.innerText()).resolves.toMatch(/snapshot events/);
    await resync.getByRole('button', { name: 'Resync' }).click();
    await resync.waitFor({ state: 'detached' });
    // The twelve existing orders are delivered again as the snapshot.
    await waitFor(async () => billed() >= before + 12, {
      timeoutMs: 20_000,
      description: `the snapshot of orders-to-billing (got ${billed() - before})`,
    });

    await page.getByRole('button', { name: 'Rewind' }).click();
    const rewind = page.getByRole('dialog', { name: 'Rewind orders-to-billing?' });
    await rewind.getByLabel('Rewind to (local time)').fill('2020-01-01T00:00:00');
    await rewind.getByRole('button', { name: 'Rewind' }).click();
    await expect(rewind.getByRole('alert').innerText()).resolves.toMatch(
      /The oplog no longer reaches back that far\. Available window: .+ to .+\. Pick a time inside it, or resync\./,
    );
    await screenshot(page, 'subscription-rewind-window');
    await rewind.getByRole('button', { name: 'Cancel' }).click();
    await rewind.waitFor({ state: 'detached' });
  });

  it('tails the deliveries of an open subscription live over graphql-ws (same-origin socket under the CSP)', async () => {
    await page.goto(`${server.url}/#/subscriptions/orders-to-billing`);
    await page.getByRole('heading', { name: 'orders-to-billing' }).waitFor();
    await page.locator('.live-tail[data-mode="live"]').waitFor();
    const rows = page.locator('.tail-table tbody tr[data-outcome]');
    // The owner publishes once it sees the watcher: insert until the first delivery shows up.
    let n = 100;
    await waitFor(
      async () => {
        await source.insertNumbered('orders-to-billing', 'live', n++, 1);
        return (await rows.count()) > 0;
      },
      { timeoutMs: 20_000, intervalMs: 250, description: 'the first live delivery on the page' },
    );
    const ids = await source.insertNumbered('orders-to-billing', 'tailed', 1, 5);
    for (const id of ids) {
      const row = page.locator('.tail-table tbody tr', { hasText: `"${id}"` });
      await row.first().waitFor({ timeout: 15_000 });
      const text = await row.first().innerText();
      expect(text).toMatch(/insert/);
      expect(text).toMatch(new RegExp(`${source.database}\\.orders-to-billing`));
      expect(text).toMatch(/delivered/);
      expect(text).toMatch(/\d+(\.\d)? (ms|s)/);
    }
    // Newest first.
    await expect(rows.first().innerText()).resolves.toContain('"tailed-5"');
    // The CSP still holds for sockets: one to another origin is refused (the same-origin one above
    // was not). The browser reports the refusal as a console error, taken out of the problems.
    const refused = await page.evaluate<string>(`new Promise((resolve) => {
      document.addEventListener('securitypolicyviolation', (e) => resolve(e.violatedDirective + ' ' + e.blockedURI), { once: true });
      try { new WebSocket('ws://127.0.0.2:9/graphql'); } catch (error) { resolve('threw ' + error.name); }
    })`);
    expect(refused).toMatch(/^(connect-src ws:\/\/127\.0\.0\.2:9|threw SecurityError)/);
    await waitFor(() => problems.some((line) => line.includes('127.0.0.2')), {
      description: 'the console to report the refused socket',
    });
    problems.splice(0, problems.length, ...problems.filter((line) => !line.includes('127.0.0.2')));
    await screenshot(page, 'subscription-live-tail');
  });

  it('falls back to polling with a visible note when the live tail websocket cannot connect', async () => {
    const blocked = await openPage(browser);
    // The socket is closed by the browser side before the server sees it (4500: no retry).
    await blocked.page.routeWebSocket(/\/graphql$/, (ws) =>
      ws.close({ code: 4500, reason: 'blocked by the test' }),
    );
    await blocked.page.goto(`${server.url}/#/subscriptions/orders-to-billing`);
    await blocked.page.getByLabel('API token').fill(TEST_ADMIN_TOKEN);
    await blocked.page.getByRole('button', { name: 'Sign in' }).click();
    const tail = blocked.page.locator('.live-tail[data-mode="polling"]');
    await tail.waitFor();
    await expect(tail.getByRole('status').innerText()).resolves.toMatch(
      /Live deliveries are unavailable \(the websocket closed \(4500 blocked by the test\)\); showing the counters every second instead/,
    );
    await source.insertNumbered('orders-to-billing', 'polled', 1, 1);
    await tail.locator('.tail li', { hasText: /\+1 received/ }).waitFor({ timeout: 15_000 });
    await screenshot(blocked.page, 'subscription-live-tail-polling');
    await blocked.page.context().close();
    expect(blocked.problems).toEqual([]);
  });

  it('is usable from the keyboard: skip link, Tab through the main navigation, Enter opens a view', async () => {
    await page.goto(`${server.url}/#/`);
    await page.reload(); // a fresh load: the focus starts at the top of the document
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    const focused = () =>
      page.evaluate<string>(
        "(document.activeElement.getAttribute('aria-label') || document.activeElement.textContent || document.activeElement.id).trim()",
      );

    await page.keyboard.press('Tab');
    await expect(focused()).resolves.toBe('Skip to content');
    await page.keyboard.press('Enter');
    await expect(page.evaluate('document.activeElement.id')).resolves.toBe('main');
    await page.getByRole('heading', { name: 'Overview' }).waitFor();

    // From the top again: Tab walks the main navigation in order.
    await page.reload();
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    const visited: string[] = [];
    for (let i = 0; i < 6 && visited.at(-1) !== 'Dead letters'; i++) {
      await page.keyboard.press('Tab');
      visited.push(await focused());
    }
    expect(visited).toEqual(['Skip to content', 'Overview', 'Subscriptions', 'Dead letters']);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Dead letters', exact: true }).waitFor();
    await expect(
      page.getByRole('navigation', { name: 'Main' }).locator('[aria-current="page"]').innerText(),
    ).resolves.toBe('Dead letters');
  });

  it('discards a dead letter with a reason from the page, and the API reports it discarded with that reason', async () => {
    receiver.respondWith({ status: 503, when: (r) => r.path === '/payments' });
    await source.insertNumbered('payments-ledger', 'refund', 1, 1);
    const { body: listed } = await waitFor(
      async () => {
        const answer = await api(
          server,
          'GET',
          '/dead-letters?subscription=payments-ledger&status=pending',
        );
        return answer.body.total === 1 && answer;
      },
      { timeoutMs: 20_000, description: 'the dead letter of the refund' },
    );
    const id: string = listed.items[0].id;

    await page.goto(`${server.url}/#/dead-letters?subscription=payments-ledger`);
    await page.getByRole('heading', { name: 'Dead letters', exact: true }).waitFor();
    await page.getByRole('button', { name: `Discard ${id}` }).click();
    const dialog = page.getByRole('dialog', { name: 'Discard this dead letter?' });
    const confirm = dialog.getByRole('button', { name: 'Discard' });
    // No reason, no discard.
    await expect(confirm.isDisabled()).resolves.toBe(true);
    await dialog.getByLabel('Reason').fill('refund issued by hand');
    await page.keyboard.press('Enter');
    await dialog.waitFor({ state: 'detached' });

    const discarded = await waitFor(
      async () => {
        const { body } = await api(server, 'GET', `/dead-letters/${id}`);
        return body.status === 'discarded' && body;
      },
      { description: 'the API to report the dead letter discarded' },
    );
    expect(discarded.discardReason).toBe('refund issued by hand');
    await waitFor(
      async () => (await page.getByRole('button', { name: `Discard ${id}` }).count()) === 0,
      {
        description: 'the discarded entry to leave the pending list',
      },
    );
    receiver.clearRules();
  });
});

describe('Dashboard assets', () => {
  let server: Server;

  afterEach(async () => {
    await server?.close();
  });

  it('serves index.html revalidated, hashed assets cached for a year, both under the strict CSP and without a token', async () => {
    buildDashboard();
    server = await startServer({ env: testEnv() });
    const index = await fetch(`${server.url}/`);
    expect(index.status).toBe(200);
    expect(index.headers.get('cache-control')).toBe('no-cache');
    const csp = index.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    const html = await index.text();
    const asset = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(asset).toBeDefined();
    const script = await fetch(`${server.url}${asset}`);
    expect(script.status).toBe(200);
    expect(script.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(script.headers.get('content-type')).toMatch(/^text\/javascript/);
    const revalidated = await fetch(`${server.url}/`, {
      headers: { 'if-none-match': index.headers.get('etag') ?? '' },
    });
    expect(revalidated.status).toBe(304);
    expect((await fetch(`${server.url}/assets/missing.js`)).status).toBe(404);
    expect((await fetch(`${server.url}/assets/..%2F..%2Fpackage.json`)).status).toBe(401);
    // The API stays behind its token.
    expect((await fetch(`${server.url}/api/v1/subscriptions`)).status).toBe(401);
  });

  it('runs without a built dashboard and says so at /, the API, GraphQL and health unaffected', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'no-dashboard-'));
    expect(readdirSync(empty)).toEqual([]);
    server = await startServer({ env: testEnv({ DASHBOARD_DIR: empty }) });
    const index = await fetch(`${server.url}/`);
    expect(index.status).toBe(404);
    await expect(index.text()).resolves.toMatch(/web dashboard is not built.*npm start/);
    expect((await fetch(`${server.url}/health/live`)).status).toBe(200);
    const graphql = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ about { version } }' }),
    });
    expect(graphql.status).toBe(200);
  });
});
