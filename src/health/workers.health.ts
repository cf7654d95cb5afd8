import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { MetricsRecorder, RelaySupervisor } from '@app/relay';
import { AppConfig } from '../config/app-config';

/**
 * The workers this instance owns: each reads its change stream (not restarting after a stream
 * error; a stale subscription's worker has already stopped and shows here as not running) and
 * its checkpoint lag stays under READY_MAX_LAG_MS. Up with no workers (an API-only instance).
 */
@Injectable()
export class WorkersHealthIndicator {
  constructor(
    private readonly supervisor: RelaySupervisor,
    private readonly recorder: MetricsRecorder,
    private readonly config: AppConfig,
    private readonly indicators: HealthIndicatorService,
  ) {}

  check(key: string) {
    const indicator = this.indicators.check(key);
    const workers: Record<string, { running: boolean; lagMs: number }> = {};
    const problems: string[] = [];
    for (const { subscription } of this.supervisor.runningWorkers()) {
      const live = this.recorder.liveFigures(subscription);
      const running = live?.streamUp ?? false;
      const lagMs = live?.lagMs ?? 0;
      workers[subscription] = { running, lagMs };
      if (!running) {
        problems.push(`${subscription}: not reading its change stream`);
      } else if (lagMs > this.config.readyMaxLagMs) {
        problems.push(`${subscription}: lag ${lagMs} ms > ${this.config.readyMaxLagMs} ms`);
      }
    }
    return problems.length === 0
      ? indicator.up({ workers })
      : indicator.down({ workers, problems });
  }
}
