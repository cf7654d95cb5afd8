import { Injectable, Logger } from '@nestjs/common';
import { postWebhook, WebhookTargetPolicy, WebhookTargetRefused } from '@app/relay';
import { AppConfig } from '../config/app-config';
import type { AlertNotification } from './alert.rules';

const ATTEMPTS = 3;
const TIMEOUT_MS = 5_000;

/**
 * POSTs a notification to every ALERT_WEBHOOK_URLS target, through the webhook target policy
 * (private addresses refused unless WEBHOOK_ALLOW_PRIVATE, and not retried). A target that fails
 * is tried three times (1 s, then 2 s apart), then logged; the others are not held up by it.
 */
@Injectable()
export class AlertSender {
  private readonly logger = new Logger(AlertSender.name);

  constructor(
    private readonly config: AppConfig,
    private readonly policy: WebhookTargetPolicy,
  ) {}

  async send(notification: AlertNotification): Promise<void> {
    const body = JSON.stringify(notification);
    await Promise.all(this.config.alerts.webhookUrls.map((url) => this.sendTo(url, body)));
  }

  private async sendTo(target: string, body: string): Promise<void> {
    const url = new URL(target);
    for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
      try {
        const answer = await postWebhook(
          url,
          {
            headers: { 'content-type': 'application/json', 'user-agent': 'change-relay-alerts' },
            body,
            signal: AbortSignal.timeout(TIMEOUT_MS),
          },
          this.policy,
        );
        if (answer.status >= 200 && answer.status < 300) {
          return;
        }
        this.logger.warn(`Alert to ${url.origin} answered ${answer.status} (attempt ${attempt})`);
      } catch (error) {
        if (error instanceof WebhookTargetRefused) {
          this.logger.error(`Alert to ${url.origin} refused: ${error.message}`);
          return;
        }
        this.logger.warn(
          `Alert to ${url.origin} failed (attempt ${attempt}): ${(error as Error).message}`,
        );
      }
      if (attempt < ATTEMPTS) {
        await new Promise((resolve) => setTimeout(resolve, 1_000 * attempt));
      }
    }
    this.logger.error(`Alert to ${url.origin} given up after ${ATTEMPTS} attempts`);
  }
}
