/**
 * `npm run example:place-order -- [sku] [quantity]`: inserts one order into the orders
 * collection, where the example flow starts (what a shop front end would do).
 */
import { randomBytes } from 'node:crypto';
import { MongoClient } from 'mongodb';
import { loadOrdersConfig } from './orders.config';

async function placeOrder(): Promise<void> {
  const [sku = 'apple', quantityArg = '2'] = process.argv.slice(2);
  const quantity = Number(quantityArg);
  if (!Number.isInteger(quantity) || quantity <= 0) {
    throw new Error(`quantity must be a positive integer (got "${quantityArg}")`);
  }
  const config = loadOrdersConfig(process.env);
  const client = await new MongoClient(config.mongodbUri, {
    serverSelectionTimeoutMS: 5_000,
  }).connect();
  try {
    const order = {
      _id: `order-${randomBytes(3).toString('hex')}`,
      sku,
      quantity,
      status: 'placed',
      placedAt: new Date(),
    };
    await client.db(config.shopDb).collection<typeof order>('orders').insertOne(order);
    process.stdout.write(`Placed ${order._id}: ${quantity} x ${sku} in ${config.shopDb}.orders\n`);
  } finally {
    await client.close();
  }
}

placeOrder().catch((error: unknown) => {
  process.stderr.write(
    `Could not place the order: ${error instanceof Error ? error.message : String(error)}\n` +
      'Is the Change Relay server running (npm start in another terminal)? Or set MONGODB_URI.\n',
  );
  process.exit(1);
});
