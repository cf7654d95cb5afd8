import { DomainError, type ErrorDetail } from '@app/relay';

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
      `Subscription "${name}" is stale (${reason}); resuming would skip events. Reset it to start again from now`,
    ),

  notRunning: (name: string, state: string) =>
    new DomainError(
      'FAILED_PRECONDITION',
      `Subscription "${name}" is not running on any instance (${state})`,
    ),

  clusterTimeUnavailable: (cause: string) =>
    new DomainError('UNAVAILABLE', `Cannot read the cluster time from MongoDB: ${cause}`),
};
