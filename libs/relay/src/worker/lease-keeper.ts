import type { Logger } from '@nestjs/common';
import type { LeasesRepository } from '../leases/leases.repository';
import type { Lease } from '../leases/lease.types';

/** A checkpoint write was refused: another instance owns the subscription now. */
export class LeaseLostError extends Error {
  constructor(reason: string) {
    super(`Lease lost: ${reason}`);
    this.name = 'LeaseLostError';
  }
}

export interface LeaseKeeperDeps {
  lease: Lease;
  leases: LeasesRepository;
  ttlMs: number;
  logger: Logger;
  /** Called once when the lease is gone: taken over, deleted, or not renewed in time. */
  onLost: (reason: string) => void;
}

/**
 * Renews a worker's lease every third of its TTL. When a renewal finds another token, or the
 * lease ran out because MongoDB could not be reached, the worker must stop at once: another
 * instance may already run the subscription.
 */
export class LeaseKeeper {
  private timer: NodeJS.Timeout | undefined;
  private validUntil: number;
  private stopped = false;

  constructor(private readonly deps: LeaseKeeperDeps) {
    this.validUntil = deps.lease.expiresAt.getTime();
  }

  get token(): number {
    return this.deps.lease.token;
  }

  start(): void {
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private schedule(delayMs = Math.floor(this.deps.ttlMs / 3)): void {
    if (this.stopped) {
      return;
    }
    this.timer = setTimeout(() => void this.renew(), Math.max(50, delayMs));
  }

  private async renew(): Promise<void> {
    const { lease, leases, ttlMs, logger } = this.deps;
    const startedAt = Date.now();
    try {
      const renewed = await leases.renew(lease.subscription, lease.owner, lease.token, ttlMs);
      if (this.stopped) {
        return;
      }
      if (!renewed) {
        this.lost('the lease was taken over or deleted');
        return;
      }
      this.validUntil = startedAt + ttlMs;
    } catch (error) {
      if (this.stopped) {
        return;
      }
      logger.warn(`Lease renewal of "${lease.subscription}" failed: ${(error as Error).message}`);
      if (Date.now() >= this.validUntil) {
        this.lost('the lease expired while it could not be renewed');
        return;
      }
      // Try again, at the latest when the lease runs out.
      this.schedule(Math.min(Math.floor(ttlMs / 3), this.validUntil - Date.now()));
      return;
    }
    this.schedule();
  }

  private lost(reason: string): void {
    this.stop();
    this.deps.onLost(reason);
  }
}
