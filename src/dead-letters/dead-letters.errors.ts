import { DomainError } from '@app/relay';

/** The domain errors of the dead-letter API; mapped to HTTP and GraphQL in src/common/errors. */
export const DeadLetterErrors = {
  notFound: (id: string) =>
    new DomainError('NOT_FOUND', `Dead letter "${id}" does not exist`, [
      { field: 'id', reason: 'no dead letter has this id' },
    ]),

  notPending: (id: string, status: string) =>
    new DomainError(
      'CONFLICT',
      `Dead letter "${id}" is ${status}, or a replay holds it; only pending entries can be replayed or discarded`,
    ),

  truncated: (id: string, droppedFields: readonly string[], eventBytes: number) =>
    new DomainError(
      'CONFLICT',
      `Dead letter "${id}" keeps its event without ${droppedFields.join(', ')} (the event was ${eventBytes} bytes, too large to keep whole); replaying it would deliver an incomplete event. Discard it instead`,
    ),

  subscriptionMissing: (name: string) =>
    new DomainError(
      'FAILED_PRECONDITION',
      `Subscription "${name}" does not exist (any more); its dead letters cannot be replayed`,
      [{ field: 'subscription', reason: 'no subscription has this name' }],
    ),

  subscriptionStale: (name: string, reason: string) =>
    new DomainError(
      'FAILED_PRECONDITION',
      `Subscription "${name}" is stale (${reason}); reset it before replaying its dead letters`,
    ),

  jobNotFound: (id: string) =>
    new DomainError('NOT_FOUND', `Replay job "${id}" does not exist`, [
      { field: 'jobId', reason: 'no replay job has this id' },
    ]),

  jobFinished: (id: string, state: string) =>
    new DomainError('CONFLICT', `Replay job "${id}" is ${state} already`),

  badCursor: () =>
    new DomainError('BAD_INPUT', 'Invalid cursor', [
      { field: 'cursor', reason: 'pass back a nextCursor this API returned' },
    ]),

  idsAndFilter: () =>
    new DomainError('BAD_INPUT', 'Give either ids or filter, not both', [
      { field: 'filter', reason: 'not allowed together with ids' },
    ]),
};
