import { DomainError, type ErrorDetail, type OplogWindowReading } from '@app/relay';

/** The domain errors of the subscriptions API; mapped to HTTP and GraphQL in src/common/errors. */
export const SubscriptionErrors = {
  notFound: (name: string) =>
    new DomainError('NOT_FOUND', `Subscription "${name}" does not exist`, [
      { field: 'name', reason: 'no subscription has this name' },
    ]),

  alreadyExists: (name: string) =>
    new DomainError('CONFLICT', `Subscription "${name}" already exists`, [
      { field: 'name', reason: 'a subscription has this name' },
    ]),

  invalid: (details: ErrorDetail[]) =>
    new DomainError(
      'BAD_INPUT',
      `Invalid subscription: ${details.map((detail) => `${detail.field}: ${detail.reason}`).join('; ')}`,
      details,
    ),

  concurrentChange: (name: string) =>
    new DomainError(
      'CONFLICT',
      `Subscription "${name}" kept changing while it was being updated; try again`,
    ),

  staleNeedsReset: (name: string, reason: string) =>
    new DomainError(
      'FAILED_PRECONDITION',
      `Subscription "${name}" is stale (${reason}); resuming would skip events. Reset it to start again from now, or resync it`,
    ),

  historyUnavailable: (name: string, timestamp: Date, window: OplogWindowReading) =>
    new DomainError(
      'FAILED_PRECONDITION',
      `Cannot rewind subscription "${name}" to ${timestamp.toISOString()}: the oplog's first entry is at ${window.firstAt.toISOString()}; the available window is ${window.firstAt.toISOString()} to ${window.lastAt.toISOString()}`,
      [
        {
          field: 'timestamp',
          reason: `older than the oplog's first entry; the available window is ${window.firstAt.toISOString()} to ${window.lastAt.toISOString()}`,
        },
      ],
    ),

  notRunning: (name: string, state: string) =>
    new DomainError(
      'FAILED_PRECONDITION',
      `Subscription "${name}" is not running on any instance (${state})`,
    ),

  clusterTimeUnavailable: (cause: string) =>
    new DomainError('UNAVAILABLE', `Cannot read the cluster time from MongoDB: ${cause}`),
};
