import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { loadShippingConfig } from './shipping.config';
import { ShippingModule } from './shipping.module';

async function bootstrap(): Promise<void> {
  const config = loadShippingConfig(process.env);
  const logger = new Logger('shipping-service');
  logger.log(`Connecting to ${config.mongodbUri} (metadata database ${config.metadataDb})`);
  const app = await NestFactory.createApplicationContext(ShippingModule.forRoot(config));
  app.enableShutdownHooks();
  logger.log(
    'Ready: handler "shipping.schedule-shipment" runs the subscriptions that name it (see apps/shipping-service/README.md)',
  );
}

bootstrap().catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(
    `shipping-service could not start: ${message}\n` +
      'Is the Change Relay server running (npm start in another terminal)? Or set MONGODB_URI.\n',
  );
  process.exit(1);
});
