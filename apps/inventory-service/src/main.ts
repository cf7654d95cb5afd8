import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { loadInventoryConfig } from './inventory.config';
import { InventoryModule } from './inventory.module';

async function bootstrap(): Promise<void> {
  const config = loadInventoryConfig(process.env);
  const logger = new Logger('inventory-service');
  logger.log(`Connecting to ${config.mongodbUri} (metadata database ${config.metadataDb})`);
  const app = await NestFactory.createApplicationContext(InventoryModule.forRoot(config));
  // SIGTERM/SIGINT: workers drain, write their final checkpoints and release their leases.
  app.enableShutdownHooks();
  logger.log(
    'Ready: handler "inventory.reserve-stock" runs the subscriptions that name it (see apps/inventory-service/README.md)',
  );
}

bootstrap().catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(
    `inventory-service could not start: ${message}\n` +
      'Is the Change Relay server running (npm start in another terminal)? Or set MONGODB_URI.\n',
  );
  process.exit(1);
});
