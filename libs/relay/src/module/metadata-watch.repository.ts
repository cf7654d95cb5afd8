import { Injectable } from '@nestjs/common';
import { InjectConnection } from '@nestjs/mongoose';
import type { ChangeStream } from 'mongodb';
import type { Connection } from 'mongoose';
import { RELEASED_AT } from '../leases/lease.types';

/** Collection names of the runtime's metadata (as in the schemas). */
const COLLECTIONS = {
  subscriptions: 'subscriptions',
  instances: 'instances',
  leases: 'leases',
  commands: 'commands',
};

/** What the supervisor learns from one change: which collection, and a command's target. */
export interface OwnershipChange {
  ns: { coll: string };
  fullDocument?: { subscription?: string };
}

/**
 * Change streams on the metadata database. The supervisor reacts through it to what changes
 * who should own what: any write to `subscriptions`, an instance joining or leaving
 * (`instances` inserts and deletes, not heartbeats), a lease given up (a graceful handover),
 * and a command enqueued for a subscription's owner.
 */
@Injectable()
export class MetadataWatchRepository {
  constructor(@InjectConnection() private readonly connection: Connection) {}

  async watchOwnershipChanges(
    maxAwaitTimeMs: number,
  ): Promise<ChangeStream<Record<string, unknown>, OwnershipChange>> {
    const connection = await this.connection.asPromise();
    const db = connection.db;
    if (!db) {
      throw new Error('The metadata connection has no database');
    }
    const match = {
      $or: [
        { 'ns.coll': COLLECTIONS.subscriptions },
        { 'ns.coll': COLLECTIONS.instances, operationType: { $in: ['insert', 'delete'] } },
        {
          'ns.coll': COLLECTIONS.leases,
          operationType: 'update',
          'updateDescription.updatedFields.expiresAt': RELEASED_AT,
        },
        { 'ns.coll': COLLECTIONS.commands, operationType: 'insert' },
      ],
    };
    // Events carry no documents (the supervisor re-reads the collections), but a command's target.
    return db.watch<Record<string, unknown>, OwnershipChange>(
      [{ $match: match }, { $project: { _id: 1, ns: 1, 'fullDocument.subscription': 1 } }],
      { maxAwaitTimeMS: maxAwaitTimeMs },
    );
  }
}
