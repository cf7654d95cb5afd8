import {
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { AlertsService } from './alerts.service';

/** Runs an alert evaluation every ALERT_CHECK_INTERVAL_MS (one at a time), when alerts are on. */
@Injectable()
export class AlertsScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(AlertsScheduler.name);
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly alerts: AlertsService,
    private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.alerts.enabled) {
      return;
    }
    this.timer = setInterval(() => this.tick(), this.config.alerts.checkIntervalMs);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    if (this.timer) {
      this.timer = undefined;
      await this.running;
      await this.alerts.release().catch(() => undefined);
    }
  }

  private tick(): void {
    if (this.running) {
      return;
    }
    this.running = this.alerts
      .evaluate()
      .catch((error: unknown) => {
        this.logger.warn(`Alert evaluation failed: ${(error as Error).message}`);
      })
      .finally(() => {
        this.running = undefined;
      });
  }
}
