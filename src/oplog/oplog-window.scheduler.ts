import {
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { OplogMarginService } from './oplog-margin.service';
import { errorMessage } from '@app/relay';

/** Checks every subscription's oplog margin every OPLOG_CHECK_INTERVAL_MS. */
@Injectable()
export class OplogWindowScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(OplogWindowScheduler.name);
  private timer: NodeJS.Timeout | undefined;
  private running = false;

  constructor(
    private readonly margins: OplogMarginService,
    private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.tick(), this.config.oplogCheckIntervalMs).unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  private async tick(): Promise<void> {
    if (this.running) {
      return;
    }
    this.running = true;
    try {
      await this.margins.check();
    } catch (error) {
      this.logger.warn(`Oplog margin check failed: ${errorMessage(error)}`);
    } finally {
      this.running = false;
    }
  }
}
