// The example services as a new user runs them: `npm run example:*` processes next to the
// server, the subscriptions their READMEs create, an order placed with `example:place-order`,
// and the flow orders → inventory → shipping → orders delivered end to end.
import { ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MongoClient } from 'mongodb';
import {
  connectTestClient,
  sharedBackendUri,
  testEnv,
  uniqueDbName,
  waitFor,
  asAdmin,
} from '@app/testing';
import { Server, startServer } from '../src/bootstrap';

const root = join(__dirname, '..');

interface ExampleProcess {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/** Runs `npm run <script>` in its own process group, so stopping it stops ts-node too. */
function runScript(script: string, env: Record<string, string>, args: string[] = []) {
  const child = spawn('npm', ['run', '--silent', script, ...(args.length ? ['--', ...args] : [])], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

/** The subscription an example README creates (the JSON body of its curl command). */
function readmeSubscription(app: string, databases: Record<string, string>): object {
  const readme = readFileSync(join(root, 'apps', app, 'README.md'), 'utf8');
  const body = /curl -sX POST \S+\/api\/v1\/subscriptions [^\n]*-d '(\{[\s\S]*?\})'/.exec(readme);
  if (!body) throw new Error(`apps/${app}/README.md has no subscription to create`);
  const subscription = JSON.parse(body[1]) as { source: { database: string } };
  subscription.source.database = databases[subscription.source.database];
  return subscription;
}

describe('example services (apps/*)', () => {
  const meta = uniqueDbName('meta');
  const databases = {
    shop: uniqueDbName('shop'),
    inventory: uniqueDbName('inventory'),
    shipping: uniqueDbName('shipping'),
  };
  const env = {
    MONGODB_URI: sharedBackendUri(),
    MONGODB_DB: meta,
    SHOP_DB: databases.shop,
    INVENTORY_DB: databases.inventory,
    SHIPPING_DB: databases.shipping,
    LEASE_TTL_MS: '3000',
  };
  let server: Server;
  let client: MongoClient;
  const examples: ExampleProcess[] = [];

  beforeAll(async () => {
    client = await connectTestClient();
    server = await startServer({ env: testEnv({ MONGODB_DB: meta }), listen: false });
    for (const name of ['example:orders', 'example:inventory', 'example:shipping']) {
      examples.push(runScript(name, env));
    }
  });

  afterAll(async () => {
    for (const example of examples) {
      if (example.child.exitCode === null && example.child.pid) {
        process.kill(-example.child.pid, 'SIGTERM');
      }
    }
    await Promise.all(examples.map((example) => example.exited));
    await server?.close();
    await client?.close();
  });

  it('delivers an order through orders → inventory → shipping → orders', async () => {
    const http = asAdmin(server.app);
    const wanted = [
      'inventory.reserve-stock',
      'orders.track-shipment',
      'shipping.schedule-shipment',
    ];
    await waitFor(
      async () => {
        const handlers = (await http.get('/api/v1/handlers')).body as {
          name: string;
          instances: string[];
        }[];
        return wanted.every((name) =>
          handlers.some((handler) => handler.name === name && handler.instances.length > 0),
        );
      },
      {
        timeoutMs: 90_000,
        intervalMs: 250,
        description: `the examples to advertise ${wanted.join(', ')} (${examples.map((e) => e.output()).join(' | ')})`,
      },
    );
    for (const app of ['inventory-service', 'shipping-service', 'orders-service']) {
      await http.post('/api/v1/subscriptions').send(readmeSubscription(app, databases)).expect(201);
    }

    const placing = runScript('example:place-order', env, ['apple', '2']);
    expect(await placing.exited).toBe(0);
    const orderId = /Placed (order-[0-9a-f]+): 2 x apple/.exec(placing.output())?.[1];
    expect(orderId).toBeDefined();

    const order = await waitFor(
      async () => {
        const found = await client
          .db(databases.shop)
          .collection('orders')
          .findOne({ _id: orderId as never });
        return found?.status === 'shipping' && found;
      },
      { timeoutMs: 30_000, description: `order ${orderId} to be shipping` },
    );
    expect(order).toMatchObject({ sku: 'apple', quantity: 2, carrier: 'parcel-post' });
    // Each handler logs after its write: its line reaches our pipe a moment after the order moved.
    const expected = [
      `Order ${orderId} is shipping (parcel-post)`,
      `Reserved 2 x apple for order ${orderId}`,
      `Scheduled shipment of 2 x apple for order ${orderId}`,
    ];
    await waitFor(
      () => examples.every((example, index) => example.output().includes(expected[index])),
      { timeoutMs: 10_000, description: 'the log line of each example service' },
    ).catch(() => undefined);
    const [orders, inventory, shipping] = examples.map((example) => example.output());
    expect(orders).toContain(expected[0]);
    expect(inventory).toContain(expected[1]);
    expect(shipping).toContain(expected[2]);
  });
});
