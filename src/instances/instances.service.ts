import { Injectable } from '@nestjs/common';
import {
  InstancesRepository,
  LeasesRepository,
  SubscriptionsRepository,
  type Instance,
} from '@app/relay';
import { canAccessService, type Principal } from '../auth/principal';
import { AppConfig } from '../config/app-config';
import type { InstanceView } from './dto/instance.model';

/** Who is running: heartbeats in `instances`, and the leases each one holds. */
@Injectable()
export class InstancesService {
  constructor(
    private readonly instances: InstancesRepository,
    private readonly leases: LeasesRepository,
    private readonly subscriptions: SubscriptionsRepository,
    private readonly config: AppConfig,
  ) {}

  /** An instance is live while its heartbeat is younger than a lease: it could still hold one. */
  get liveWindowMs(): number {
    return this.config.leaseTtlMs;
  }

  async live(): Promise<Instance[]> {
    return this.instances.listLive(this.liveWindowMs);
  }

  /**
   * Every recorded instance, live or not, sorted by id. A service-scoped caller sees only its
   * services' subscriptions among the leases an instance holds.
   */
  async list(caller: Principal): Promise<InstanceView[]> {
    const [instances, leases, visible] = await Promise.all([
      this.instances.list(),
      this.leases.list(),
      this.visibleSubscriptions(caller),
    ]);
    const now = Date.now();
    return instances.map((instance) => ({
      id: instance.id,
      service: instance.service,
      version: instance.version,
      handlers: instance.handlers,
      live: now - instance.lastSeen.getTime() <= this.liveWindowMs,
      subscriptions: leases
        .filter((lease) => lease.owner === instance.id && lease.expiresAt.getTime() > now)
        .filter((lease) => visible === undefined || visible.has(lease.subscription))
        .map((lease) => lease.subscription)
        .sort(),
      startedAt: instance.startedAt,
      lastSeen: instance.lastSeen,
    }));
  }

  /** The names a scoped caller may see; undefined: all of them. */
  private async visibleSubscriptions(caller: Principal): Promise<Set<string> | undefined> {
    if (caller.services === undefined) {
      return undefined;
    }
    const all = await this.subscriptions.list();
    return new Set(all.filter((s) => canAccessService(caller, s.serviceName)).map((s) => s.name));
  }
}
