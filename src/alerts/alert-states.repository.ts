import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import type { AlertCondition, SentState } from './alert.rules';
import { ALERT_STATE_MODEL, type AlertStateRecord } from './alert-state.schema';

/** Not a subscription name (those are slugs), so it cannot clash with one. */
const EVALUATOR_ID = '~evaluator';

function isDuplicateKey(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === 11000;
}

/** The `alert_states` collection: conditional updates so that one instance only sends. */
@Injectable()
export class AlertStatesRepository {
  constructor(@InjectModel(ALERT_STATE_MODEL) private readonly model: Model<AlertStateRecord>) {}

  /**
   * Takes or renews the evaluator lease: true when this instance holds it until `ttlMs` from
   * now. Another instance's unexpired lease makes it false.
   */
  async acquireEvaluator(instanceId: string, ttlMs: number): Promise<boolean> {
    const now = new Date();
    try {
      const result = await this.model.collection.findOneAndUpdate(
        { _id: EVALUATOR_ID, $or: [{ owner: instanceId }, { expiresAt: { $lt: now } }] } as never,
        { $set: { owner: instanceId, expiresAt: new Date(now.getTime() + ttlMs) } },
        { upsert: true, returnDocument: 'after' },
      );
      return (result as { owner?: string } | null)?.owner === instanceId;
    } catch (error) {
      if (isDuplicateKey(error)) {
        return false;
      }
      throw error;
    }
  }

  /** Gives the evaluator lease up (graceful shutdown), so another instance takes over at once. */
  async releaseEvaluator(instanceId: string): Promise<void> {
    await this.model.collection.deleteOne({ _id: EVALUATOR_ID, owner: instanceId } as never);
  }

  /** What was last sent, per subscription. */
  async sentStates(): Promise<Map<string, SentState>> {
    const rows = await this.model
      .find({ _id: { $ne: EVALUATOR_ID } })
      .lean<AlertStateRecord[]>()
      .exec();
    return new Map(
      rows
        .filter((row) => row.condition !== undefined)
        .map((row) => [
          row._id,
          {
            condition: row.condition!,
            ...(row.sentAt ? { sentAt: row.sentAt } : {}),
            version: row.version ?? 0,
          },
        ]),
    );
  }

  /**
   * Records that `condition` is being sent, if nobody else did since `previous` was read: true
   * for the one caller that wins (and must send), false for every other.
   */
  async claim(
    subscription: string,
    previous: SentState | undefined,
    condition: AlertCondition,
    sentAt: Date,
  ): Promise<boolean> {
    if (previous === undefined) {
      try {
        await this.model.collection.insertOne({
          _id: subscription,
          condition,
          sentAt,
          version: 1,
        } as never);
        return true;
      } catch (error) {
        if (isDuplicateKey(error)) {
          return false;
        }
        throw error;
      }
    }
    const result = await this.model.collection.updateOne(
      { _id: subscription, version: previous.version } as never,
      { $set: { condition, sentAt, version: previous.version + 1 } },
    );
    return result.modifiedCount === 1;
  }

  /** Forgets the states of subscriptions that no longer exist. */
  async forgetAllBut(subscriptions: readonly string[]): Promise<void> {
    await this.model.deleteMany({ _id: { $nin: [...subscriptions, EVALUATOR_ID] } }).exec();
  }
}
