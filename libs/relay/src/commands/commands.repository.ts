import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { RELAY_MODELS } from '../module/relay-models';
import { COMMAND_RETENTION_DAYS, type CommandRecord } from './command.schema';
import type { OwnerCommand } from './command.types';

const DAY_MS = 86_400_000;

/**
 * The `commands` collection: the channel from the API to a subscription's owner. The API
 * enqueues; the owner's worker claims (stamping its lease token), reports progress and the
 * outcome, each write fenced by that token, so a former owner can no longer touch a command a
 * new owner took over.
 */
@Injectable()
export class CommandsRepository {
  constructor(@InjectModel(RELAY_MODELS.command) private readonly model: Model<CommandRecord>) {}

  async enqueue(
    subscription: string,
    type: string,
    args: Record<string, unknown> = {},
  ): Promise<OwnerCommand> {
    const now = new Date();
    const created = await this.model.create({
      _id: randomUUID(),
      subscription,
      type,
      args,
      state: 'pending',
      createdAt: now,
      updatedAt: now,
      expireAt: new Date(now.getTime() + COMMAND_RETENTION_DAYS * DAY_MS),
    });
    return fromRecord(created.toObject());
  }

  async find(id: string): Promise<OwnerCommand | null> {
    const record = await this.model.findById(id).lean<CommandRecord>().exec();
    return record ? fromRecord(record) : null;
  }

  /** Subscriptions among `names` with commands waiting for their owner (one read). */
  async waitingFor(names: readonly string[]): Promise<Set<string>> {
    const found = await this.model
      .distinct('subscription', { subscription: { $in: [...names] }, state: 'pending' })
      .exec();
    return new Set(found.map(String));
  }

  /**
   * The oldest command for the subscription that is pending, or was started by an earlier owner
   * (a smaller lease token: it crashed or handed over mid-command), now claimed by this owner.
   */
  async claimNext(
    subscription: string,
    owner: string,
    leaseToken: number,
  ): Promise<OwnerCommand | null> {
    const now = new Date();
    const record = await this.model
      .findOneAndUpdate(
        {
          subscription,
          $or: [{ state: 'pending' }, { state: 'running', leaseToken: { $lt: leaseToken } }],
        },
        { $set: { state: 'running', owner, leaseToken, startedAt: now, updatedAt: now } },
        { sort: { createdAt: 1 }, returnDocument: 'after' },
      )
      .lean<CommandRecord>()
      .exec();
    return record ? fromRecord(record) : null;
  }

  /** Fenced progress report; false when the command was cancelled or taken over. */
  async progress(
    id: string,
    leaseToken: number,
    progress: Record<string, unknown>,
  ): Promise<boolean> {
    const result = await this.model
      .updateOne(
        { _id: id, leaseToken, state: 'running' },
        { $set: { progress, updatedAt: new Date() } },
      )
      .exec();
    return result.matchedCount > 0;
  }

  /** Fenced final outcome. */
  async finish(
    id: string,
    leaseToken: number,
    outcome:
      | { state: 'done'; result: Record<string, unknown> }
      | { state: 'failed'; error: { message: string; code?: string } },
  ): Promise<boolean> {
    const now = new Date();
    const result = await this.model
      .updateOne(
        { _id: id, leaseToken, state: 'running' },
        { $set: { ...outcome, finishedAt: now, updatedAt: now } },
      )
      .exec();
    return result.matchedCount > 0;
  }

  /** Cancels a command that has not finished; false when it already had. */
  async cancel(id: string): Promise<boolean> {
    const now = new Date();
    const result = await this.model
      .updateOne(
        { _id: id, state: { $in: ['pending', 'running'] } },
        { $set: { state: 'cancelled', finishedAt: now, updatedAt: now } },
      )
      .exec();
    return result.matchedCount > 0;
  }

  /** Forgets a deleted subscription's commands. */
  async deleteFor(subscription: string): Promise<void> {
    await this.model.deleteMany({ subscription }).exec();
  }
}

function fromRecord(record: CommandRecord): OwnerCommand {
  const { _id, expireAt: _expireAt, ...rest } = record;
  return { id: _id, ...rest };
}
