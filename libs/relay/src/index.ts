// Domain
export * from './errors/domain-error';
export * from './errors/error-message';
export * from './subscriptions/subscription.types';
export * from './checkpoints/checkpoint.types';
export * from './leases/lease.types';
export type * from './instances/instance.types';
export type * from './dead-letters/dead-letter.types';

// Module and options
export * from './module/change-relay.module';
export * from './module/change-relay.options';

// Repositories (the only way to the runtime's collections)
export * from './subscriptions/subscriptions.repository';
export * from './checkpoints/checkpoints.repository';
export * from './leases/leases.repository';
export * from './instances/instances.repository';
export * from './dead-letters/dead-letters.repository';
export * from './dead-letters/dead-letter-replay.command';
export * from './metrics/metrics.errors';
export * from './metrics/live-tail.publisher';
export * from './metrics/live-tail.repository';
export * from './metrics/live-tail.types';
export * from './metrics/metrics.histogram';
export * from './metrics/metrics.recorder';
export * from './metrics/metrics.repository';
export * from './metrics/metrics.types';
export * from './metrics/relay-prometheus';
export * from './journal/journal.types';
export * from './journal/journal.correlation';
export * from './journal/journal.repository';
export * from './journal/journal.record';
export * from './journal/journal.writer';
export * from './journal/journal-analytics.types';
export * from './journal/journal-analytics.repository';
export * from './commands/commands.repository';
export * from './commands/command.types';
export * from './commands/owner-command.registry';
export * from './commands/owner-commands.client';

// Handlers
export * from './handlers/change-handler.decorator';
export type * from './handlers/change-event.envelope';
export * from './handlers/handler.types';
export * from './handlers/handler.registry';
export * from './handlers/log.handler';
export * from './handlers/webhook/webhook.handler';
export * from './handlers/webhook/webhook.errors';
export * from './handlers/webhook/webhook.payload';
export * from './handlers/webhook/webhook.signature';
export * from './handlers/webhook/webhook-target.policy';
export { postWebhook, type WebhookAnswer } from './handlers/webhook/webhook.transport';
export * from './secrets/secret-cipher';
export { NonRetryableError } from '@app/delivery';

// Runtime
export * from './supervisor/relay.supervisor';
export * from './source/change-event.mapper';
export * from './history/oplog-window';
