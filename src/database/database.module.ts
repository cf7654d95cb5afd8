import { DynamicModule, Global, Logger, Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import type { Connection } from 'mongoose';
import { AppConfig } from '../config/app-config';
import { ConnectionKeeper } from './connection-keeper';
import { MONGO_BACKEND } from './database.tokens';
import { MongoBackend } from './mongo-backend';

/**
 * The metadata database connection. Lazy, so the server boots (and answers /health/live) while
 * MongoDB is unreachable; readiness then reports the failure instead of the process crashing.
 */
@Global()
@Module({})
export class DatabaseModule {
  static forRoot(backend: MongoBackend): DynamicModule {
    const logger = new Logger('MongoDB');
    return {
      module: DatabaseModule,
      imports: [
        MongooseModule.forRootAsync({
          inject: [AppConfig],
          useFactory: (config: AppConfig) => ({
            uri: backend.uri,
            dbName: config.mongodbDb,
            appName: `${config.serviceName}:${config.instanceId}`,
            lazyConnection: true,
            serverSelectionTimeoutMS: 5_000,
            retryAttempts: 0,
            connectionFactory: (connection: Connection) => {
              connection.on('error', (error: Error) =>
                logger.warn(`connection error: ${error.message}`),
              );
              return connection;
            },
          }),
        }),
      ],
      providers: [{ provide: MONGO_BACKEND, useValue: backend }, ConnectionKeeper],
      exports: [MONGO_BACKEND],
    };
  }
}
