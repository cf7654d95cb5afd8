import { Injectable, type OnModuleInit } from '@nestjs/common';
import type { SubmitOutcome } from '@app/delivery';
import type { OwnerCommandContext } from '../commands/command.types';
import { OwnerCommandRegistry } from '../commands/owner-command.registry';
import { describeError } from '../worker/delivery-adapters';
import { DeadLettersRepository } from './dead-letters.repository';
import type {
  DeadLetter,
  DeadLetterError,
  DeadLetterFilter,
  DeadLetterTruncation,
} from './dead-letter.types';

/** The owner command that replays a subscription's dead letters. */
export const REPLAY_DEAD_LETTERS_COMMAND = 'replay-dead-letters';

/** Entries read (and submitted) at a time: what bounds a replay's memory. */
const PAGE_SIZE = 50;

/** What the API asks for; JSON, as stored in the command. */
export interface ReplayDeadLettersArgs {
  ids?: string[];
  filter?: {
    errorName?: string;
    httpStatus?: number;
    key?: string;
    /** ISO times. */
    from?: string;
    to?: string;
  };
  limit?: number;
}

/** What a replay job reports as it goes, and as its result. */
export interface ReplayProgress {
  total: number;
  succeeded: number;
  failed: number;
  /** Entries another job held, or that were replayed or discarded meanwhile. */
  skipped: number;
}

/** Thrown when the worker stops mid-replay: the next owner takes the job over. */
class ReplayInterrupted extends Error {
  constructor() {
    super('the worker stopped during the replay; its next owner continues it');
    this.name = 'ReplayInterrupted';
  }
}

/**
 * Runs replay jobs inside the subscription's owner: pending entries in stream order, a page at a
 * time, each claimed atomically (a concurrent job skips it) and submitted into the worker's
 * engine through its key's lane, so a replay never overlaps a live event of the same key.
 * Submissions keep stream order per key; a page settles before the next is read.
 */
@Injectable()
export class DeadLetterReplayCommand implements OnModuleInit {
  constructor(
    private readonly registry: OwnerCommandRegistry,
    private readonly deadLetters: DeadLettersRepository,
  ) {}

  onModuleInit(): void {
    this.registry.register(REPLAY_DEAD_LETTERS_COMMAND, async (context, args) => ({
      ...(await this.run(context, args)),
    }));
  }

  async run(context: OwnerCommandContext, args: ReplayDeadLettersArgs): Promise<ReplayProgress> {
    const filter = filterOf(context.subscription, args);
    const limit = args.limit ?? Number.POSITIVE_INFINITY;
    const progress: ReplayProgress = {
      total: Math.min(limit, await this.deadLetters.count({ ...filter, status: 'pending' })),
      succeeded: 0,
      failed: 0,
      skipped: 0,
    };
    let afterOrder: string | undefined;
    let read = 0;
    while (read < limit && (await context.progress({ ...progress }))) {
      const page = await this.deadLetters.pendingInStreamOrder(
        filter,
        afterOrder,
        Math.min(PAGE_SIZE, limit - read),
      );
      if (page.length === 0) {
        break;
      }
      read += page.length;
      afterOrder = page.at(-1)?.streamOrder;
      const settled: Promise<void>[] = [];
      for (const entry of page) {
        const claimed = await this.deadLetters.claim(entry.id, context.commandId);
        if (!claimed) {
          progress.skipped += 1;
          continue;
        }
        settled.push(this.replayOne(context, claimed, progress));
      }
      await Promise.all(settled);
      if (context.signal.aborted) {
        throw new ReplayInterrupted();
      }
    }
    return progress;
  }

  private async replayOne(
    context: OwnerCommandContext,
    entry: DeadLetter,
    progress: ReplayProgress,
  ): Promise<void> {
    if (entry.truncated) {
      // Delivering what is left of the event would hand the handler an incomplete event.
      await this.deadLetters.recordReplay(entry.id, context.commandId, {
        delivered: false,
        attempts: 0,
        error: truncatedError(entry.truncated),
      });
      progress.failed += 1;
      return;
    }
    const outcome: SubmitOutcome = await context.submit(entry.key, entry.event, entry.id);
    switch (outcome.status) {
      case 'delivered':
        await this.deadLetters.recordReplay(entry.id, context.commandId, {
          delivered: true,
          attempts: outcome.attempts,
        });
        progress.succeeded += 1;
        return;
      case 'failed':
        await this.deadLetters.recordReplay(entry.id, context.commandId, {
          delivered: false,
          attempts: outcome.attempts,
          error: describeError(outcome.error),
        });
        progress.failed += 1;
        return;
      case 'cancelled':
        // The worker stops; the entry stays claimed by this job, which its next owner resumes.
        return;
    }
  }
}

function truncatedError({ droppedFields, eventBytes }: DeadLetterTruncation): DeadLetterError {
  return {
    name: 'TruncatedDeadLetter',
    message:
      `the event (${eventBytes} bytes) was too large to keep whole and is stored without ` +
      `${droppedFields.join(', ')}: it cannot be replayed as it happened. Discard it, and ` +
      `bring the receiver up to date from the collection itself.`,
  };
}

function filterOf(
  subscription: string,
  args: ReplayDeadLettersArgs,
): DeadLetterFilter & { subscription: string } {
  const filter = args.filter ?? {};
  return {
    subscription,
    ...(args.ids ? { ids: args.ids } : {}),
    ...(filter.errorName !== undefined ? { errorName: filter.errorName } : {}),
    ...(filter.httpStatus !== undefined ? { httpStatus: filter.httpStatus } : {}),
    ...(filter.key !== undefined ? { key: filter.key } : {}),
    ...(filter.from !== undefined ? { from: new Date(filter.from) } : {}),
    ...(filter.to !== undefined ? { to: new Date(filter.to) } : {}),
  };
}
