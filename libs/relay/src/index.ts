export * from './errors/domain-error';
export * from './subscriptions/subscription.types';
