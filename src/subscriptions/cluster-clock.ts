import { Injectable } from '@nestjs/common';
import { InjectConnection } from '@nestjs/mongoose';
import { Timestamp } from 'bson';
import type { Connection } from 'mongoose';
import { DomainError, errorMessage } from '@app/relay';
import { SubscriptionErrors } from './subscriptions.errors';

/**
 * The deployment's cluster time: where "now" is for a change stream. Read with a `ping` in a
 * driver session, so any change written after the API answers has a later cluster time, and a
 * stream opened later with `startAtOperationTime` = this value still sees it.
 */
@Injectable()
export class ClusterClock {
  constructor(@InjectConnection() private readonly connection: Connection) {}

  async now(): Promise<Timestamp> {
    const client = this.connection.getClient();
    const session = client.startSession();
    try {
      const reply = await client.db('admin').command({ ping: 1 }, { session });
      const time =
        session.operationTime ??
        asTimestamp(reply.operationTime) ??
        asTimestamp((reply.$clusterTime as { clusterTime?: unknown } | undefined)?.clusterTime);
      if (!time) {
        throw SubscriptionErrors.clusterTimeUnavailable(
          'the server reports no cluster time (is it a replica set?)',
        );
      }
      return time;
    } catch (error) {
      if (error instanceof DomainError) {
        throw error;
      }
      throw SubscriptionErrors.clusterTimeUnavailable(errorMessage(error));
    } finally {
      await session.endSession();
    }
  }
}

function asTimestamp(value: unknown): Timestamp | undefined {
  // By type tag rather than instanceof: the driver may carry its own copy of bson.
  return (value as { _bsontype?: unknown } | undefined)?._bsontype === 'Timestamp'
    ? (value as Timestamp)
    : undefined;
}

/** The first cluster time of a wall-clock instant (`i` = 0 sorts before every operation of that second). */
export function timestampAt(date: Date): Timestamp {
  return new Timestamp({ t: Math.floor(date.getTime() / 1000), i: 0 });
}
