import { Inject, Injectable, Optional } from '@nestjs/common';
import type { MongoClient } from 'mongodb';
import type { StreamPosition } from '../checkpoints/checkpoint.types';
import {
  CHANGE_RELAY_OPTIONS,
  type ResolvedChangeRelayOptions,
} from '../module/change-relay.options';
import type { Subscription } from '../subscriptions/subscription.types';
import { ChangeSource, type ChangeSourceOptions } from './change-source';
import { memberFilterFor, sharedStreamKey } from './shared/member-filter';
import { SharedStream, type SharedStreamMember } from './shared/shared-stream';
import { SharedStreamSource, type SharedStreamDirectory } from './shared/shared-stream-source';
import { positionOrderKey } from './shared/stream-order';
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

/** Shared streams open now, and how many members read from them. */
export interface SharedStreamStats {
  streams: number;
  members: number;
}

/**
 * Turns a tagged position into a source: a change stream resumed after a token or started at a
 * time. With `sharedStreams` on, subscriptions that watch the same database with the same
 * document modes and only filter (collections, operation types, `$match` stages) read one
 * shared change stream per database instead of one each (see SharedStreamSource).
 */
@Injectable()
export class WorkerSourceFactory {
  private readonly shared = new WeakMap<MongoClient, Map<string, SharedStream>>();
  private readonly open = new Set<SharedStream>();

  constructor(
    @Optional()
    @Inject(CHANGE_RELAY_OPTIONS)
    private readonly relayOptions?: Pick<ResolvedChangeRelayOptions, 'sharedStreams'>,
  ) {}

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
    const options: ChangeSourceOptions = {
      client: request.client,
      subscription: request.subscription,
      start: position,
      maxAwaitTimeMs: request.maxAwaitTimeMs,
      batchSize: request.batchSize,
      idleIntervalMs: request.idleIntervalMs,
    };
    if (this.relayOptions?.sharedStreams) {
      const filter = memberFilterFor(request.subscription.source);
      const startKey = positionOrderKey(request.position);
      if (filter && startKey !== undefined) {
        return new SharedStreamSource(options, startKey, filter, this.directoryFor(options));
      }
    }
    return new ChangeSource(options);
  }

  sharedStreamStats(): SharedStreamStats {
    let members = 0;
    for (const stream of this.open) {
      members += stream.memberCount;
    }
    return { streams: this.open.size, members };
  }

  private directoryFor(options: ChangeSourceOptions): SharedStreamDirectory {
    const { client, subscription, maxAwaitTimeMs, batchSize } = options;
    const key = sharedStreamKey(subscription.source);
    return {
      attach: (member: SharedStreamMember, position: StreamPosition) => {
        let byKey = this.shared.get(client);
        if (!byKey) {
          byKey = new Map();
          this.shared.set(client, byKey);
        }
        let stream = byKey.get(key);
        if (!stream) {
          const startKey = positionOrderKey(position);
          if (startKey === undefined) {
            return null;
          }
          const created = new SharedStream({
            client,
            source: subscription.source,
            start: position,
            startKey,
            maxAwaitTimeMs,
            batchSize,
            onClosed: () => {
              this.open.delete(created);
              if (byKey?.get(key) === created) {
                byKey.delete(key);
              }
            },
          });
          stream = created;
          byKey.set(key, stream);
          this.open.add(stream);
        }
        const joined = stream;
        const joinKey = joined.tryAttach(member);
        if (joinKey === null) {
          if (joined.memberCount === 0) {
            // Created for nobody (cannot happen for its creator): do not keep it.
            byKey.delete(key);
            this.open.delete(joined);
          }
          return null;
        }
        return { joinKey, detach: () => joined.detach(member) };
      },
    };
  }
}
