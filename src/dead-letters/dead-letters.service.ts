import { Injectable } from '@nestjs/common';
import {
  DeadLettersRepository,
  decodeCursor,
  type DeadLetter,
  type DeadLetterFilter,
} from '@app/relay';
import { canAccessService, type Principal } from '../auth/principal';
import type {
  DeadLetterPageView,
  DeadLetterSummaryView,
  DeadLetterEntryView,
} from './dto/dead-letter.model';
import type { DiscardDeadLetterInput } from './dto/discard-dead-letter.input';
import {
  DEAD_LETTER_PAGE,
  type DeadLetterSummaryArgs,
  type ListDeadLettersArgs,
} from './dto/list-dead-letters.args';
import { DeadLetterErrors } from './dead-letters.errors';
import { toDeadLetterView } from './dead-letter.view';

/** Reading and discarding dead letters, within the caller's service scope. */
@Injectable()
export class DeadLettersService {
  constructor(private readonly deadLetters: DeadLettersRepository) {}

  async list(args: ListDeadLettersArgs, caller: Principal): Promise<DeadLetterPageView> {
    const { limit, cursor, ...filter } = args;
    if (cursor !== undefined) {
      try {
        decodeCursor(cursor);
      } catch {
        throw DeadLetterErrors.badCursor();
      }
    }
    const page = await this.deadLetters.page(
      { ...filter, ...scopeOf(caller) },
      limit ?? DEAD_LETTER_PAGE.default,
      cursor,
    );
    return {
      items: page.items.map(toDeadLetterView),
      total: page.total,
      ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}),
    };
  }

  async get(id: string, caller: Principal): Promise<DeadLetterEntryView> {
    return toDeadLetterView(await this.find(id, caller));
  }

  async discard(
    id: string,
    input: DiscardDeadLetterInput,
    caller: Principal,
  ): Promise<DeadLetterEntryView> {
    const entry = await this.find(id, caller);
    const discarded = await this.deadLetters.discard(id, input.reason);
    if (discarded === 'missing') {
      throw DeadLetterErrors.notFound(id);
    }
    if (discarded === 'not-pending') {
      throw DeadLetterErrors.notPending(id, entry.status);
    }
    return toDeadLetterView(discarded);
  }

  async summary(args: DeadLetterSummaryArgs, caller: Principal): Promise<DeadLetterSummaryView> {
    return this.deadLetters.summary({ ...args, ...scopeOf(caller) });
  }

  /** The entry, if it exists and the caller may see its service (a 404 otherwise). */
  async find(id: string, caller: Principal): Promise<DeadLetter> {
    const entry = await this.deadLetters.find(id);
    if (!entry || !canAccessService(caller, entry.service)) {
      throw DeadLetterErrors.notFound(id);
    }
    return entry;
  }
}

/** Restricts a filter to the caller's services. */
export function scopeOf(caller: Principal): Pick<DeadLetterFilter, 'services'> {
  return caller.services ? { services: caller.services } : {};
}
