import { NestFactory } from '@nestjs/core';
import { loadInventoryConfig } from './inventory.config';
import { InventoryModule } from './inventory.module';

async function bootstrap(): Promise<void> {
  const config = loadInventoryConfig(process.env);
  const app = await NestFactory.createApplicationContext(InventoryModule.forRoot(config));
  // SIGTERM/SIGINT: workers drain, write their final checkpoints and release their leases.
  app.enableShutdownHooks();
}

void bootstrap();
