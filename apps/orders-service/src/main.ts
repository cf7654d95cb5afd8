import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { loadOrdersConfig } from './orders.config';
import { OrdersModule } from './orders.module';

async function bootstrap(): Promise<void> {
  const config = loadOrdersConfig(process.env);
  const logger = new Logger('orders-service');
  logger.log(`Connecting to ${config.mongodbUri} (metadata database ${config.metadataDb})`);
  const app = await NestFactory.createApplicationContext(OrdersModule.forRoot(config));
  app.enableShutdownHooks();
  logger.log(
    'Ready: handler "orders.track-shipment" runs the subscriptions that name it (see apps/orders-service/README.md)',
  );
}

bootstrap().catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(
    `orders-service could not start: ${message}\n` +
      'Is the Change Relay server running (npm start in another terminal)? Or set MONGODB_URI.\n',
  );
  process.exit(1);
});
