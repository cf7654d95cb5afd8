import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { InjectConnection } from '@nestjs/mongoose';
import { ConnectionStates, type Connection } from 'mongoose';
import { MONGO_BACKEND } from './database.tokens';
import type { MongoBackend } from './mongo-backend';
import { redactUri } from './mongo-backend';

/** The first retry comes soon (a first connect that timed out on a busy host), later ones back off. */
const FIRST_RETRY_MS = 250;
const MAX_RETRY_MS = 5_000;

/**
 * The connection is lazy so the server boots while MongoDB is down; mongoose does not retry a
 * failed first connect, so this keeps retrying until MongoDB answers (readiness turns 200 then,
 * without a restart).
 */
@Injectable()
export class ConnectionKeeper implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('MongoDB');
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private retryInMs = FIRST_RETRY_MS;

  constructor(
    @InjectConnection() private readonly connection: Connection,
    @Inject(MONGO_BACKEND) private readonly backend: MongoBackend,
  ) {}

  onApplicationBootstrap(): void {
    void this.watchFirstConnect();
  }

  onApplicationShutdown(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private async watchFirstConnect(): Promise<void> {
    try {
      await this.connection.asPromise();
    } catch (error) {
      this.logger.warn(
        `cannot reach ${redactUri(this.backend.uri)} (${(error as Error).message}); retrying (every ${MAX_RETRY_MS} ms at most)`,
      );
      this.scheduleRetry();
    }
  }

  private scheduleRetry(): void {
    if (this.stopped) {
      return;
    }
    this.timer = setTimeout(() => void this.retry(), this.retryInMs);
    this.retryInMs = Math.min(MAX_RETRY_MS, this.retryInMs * 2);
    this.timer.unref();
  }

  private async retry(): Promise<void> {
    if (this.stopped || this.connection.readyState === ConnectionStates.connected) {
      return;
    }
    try {
      await this.connection.openUri(this.backend.uri);
      this.logger.log('connected');
    } catch {
      this.scheduleRetry();
    }
  }
}
