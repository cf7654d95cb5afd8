import { Injectable } from '@nestjs/common';
import { InjectConnection } from '@nestjs/mongoose';
import type { ChangeStream } from 'mongodb';
import type { Connection } from 'mongoose';
import { RELEASED_AT } from '../leases/lease.types';

/** Collection names of the runtime's metadata (as in the schemas). */
const COLLECTIONS = { subscriptions: 'subscriptions', instances: 'instances', leases: 'leases' };

/**
 * Change streams on the metadata database. The supervisor reacts through it to what changes
 * who should own what: any write to `subscriptions`, an instance joining or leaving
 * (`instances` inserts and deletes, not heartbeats), and a lease given up (a graceful handover).
 */
@Injectable()
export class MetadataWatchRepository {
  constructor(@InjectConnection() private readonly connection: Connection) {}

  async watchOwnershipChanges(maxAwaitTimeMs: number): Promise<ChangeStream> {
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
      ],
    };
    // Events carry no documents: the supervisor re-reads the collections.
    return db.watch([{ $match: match }, { $project: { _id: 1 } }], {
      maxAwaitTimeMS: maxAwaitTimeMs,
    });
  }
}
