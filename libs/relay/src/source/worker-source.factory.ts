import { Injectable } from '@nestjs/common';
import type { MongoClient } from 'mongodb';
import type { StreamPosition } from '../checkpoints/checkpoint.types';
import type { Subscription } from '../subscriptions/subscription.types';
import { ChangeSource } from './change-source';
import { SnapshotSource } from './snapshot-source';
import type { WorkerSource } from './worker-source';

export interface WorkerSourceRequest {
  client: MongoClient;
  subscription: Subscription;
  /** Where to start: the checkpoint's position, or the subscription's start. */
  position: StreamPosition;
  maxAwaitTimeMs: number;
  /** Events per server batch (what the driver buffers for this source). */
  batchSize: number;
  idleIntervalMs: number;
}

/**
 * Turns a tagged position into a source. Today every position is a change stream (resumed
 * after a token or started at a time); snapshots and shared streams plug in here without
 * touching the worker.
 */
@Injectable()
export class WorkerSourceFactory {
  create(request: WorkerSourceRequest): WorkerSource {
    const { position } = request;
    if (position.kind === 'snapshot') {
      return new SnapshotSource({
        client: request.client,
        subscription: request.subscription,
        start: position,
        batchSize: request.batchSize,
        stream: (clusterTime) =>
          this.create({ ...request, position: { kind: 'time', clusterTime } }),
      });
    }
    return new ChangeSource({
      client: request.client,
      subscription: request.subscription,
      start: request.position,
      maxAwaitTimeMs: request.maxAwaitTimeMs,
      batchSize: request.batchSize,
      idleIntervalMs: request.idleIntervalMs,
    });
  }
}
