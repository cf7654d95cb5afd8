import { Injectable } from '@nestjs/common';
import { InstancesRepository, LeasesRepository, type Instance } from '@app/relay';
import { AppConfig } from '../config/app-config';
import type { InstanceView } from './dto/instance.model';

/** Who is running: heartbeats in `instances`, and the leases each one holds. */
@Injectable()
export class InstancesService {
  constructor(
    private readonly instances: InstancesRepository,
    private readonly leases: LeasesRepository,
    private readonly config: AppConfig,
  ) {}

  /** An instance is live while its heartbeat is younger than a lease: it could still hold one. */
  get liveWindowMs(): number {
    return this.config.leaseTtlMs;
  }

  async live(): Promise<Instance[]> {
    return this.instances.listLive(this.liveWindowMs);
  }

  /** Every recorded instance, live or not, sorted by id. */
  async list(): Promise<InstanceView[]> {
    const [instances, leases] = await Promise.all([this.instances.list(), this.leases.list()]);
    const now = Date.now();
    return instances.map((instance) => ({
      id: instance.id,
      service: instance.service,
      version: instance.version,
      handlers: instance.handlers,
      live: now - instance.lastSeen.getTime() <= this.liveWindowMs,
      subscriptions: leases
        .filter((lease) => lease.owner === instance.id && lease.expiresAt.getTime() > now)
        .map((lease) => lease.subscription)
        .sort(),
      startedAt: instance.startedAt,
      lastSeen: instance.lastSeen,
    }));
  }
}
