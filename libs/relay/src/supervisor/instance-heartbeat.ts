import type { Logger } from '@nestjs/common';
import type { HandlerRegistry } from '../handlers/handler.registry';
import type { InstancesRepository } from '../instances/instances.repository';
import type { ResolvedChangeRelayOptions } from '../module/change-relay.options';

/**
 * Keeps this process's document in `instances` fresh, with the handlers it can run (none when
 * it runs no workers), so the admin API can tell which subscriptions no live instance serves.
 */
export class InstanceHeartbeat {
  private readonly startedAt = new Date();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly instances: InstancesRepository,
    private readonly registry: HandlerRegistry,
    private readonly options: ResolvedChangeRelayOptions,
    private readonly logger: Logger,
  ) {}

  start(): void {
    this.beat();
    this.timer = setInterval(() => this.beat(), this.options.heartbeatIntervalMs).unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private beat(): void {
    const { instanceId, serviceName, version, runWorkers, maxSubscriptionsPerInstance } =
      this.options;
    this.instances
      .heartbeat({
        id: instanceId,
        service: serviceName,
        handlers: runWorkers ? this.registry.names() : [],
        version,
        startedAt: this.startedAt,
        ...(maxSubscriptionsPerInstance !== undefined
          ? { maxSubscriptions: maxSubscriptionsPerInstance }
          : {}),
      })
      .catch((error: Error) => this.logger.warn(`Heartbeat failed: ${error.message}`));
  }
}
