import type { ModelDefinition } from '@nestjs/mongoose';
import { CheckpointSchema } from '../checkpoints/checkpoint.schema';
import { CommandSchema } from '../commands/command.schema';
import { DeadLetterSchema } from '../dead-letters/dead-letter.schema';
import { InstanceSchema } from '../instances/instance.schema';
import { JournalSchema } from '../journal/journal.schema';
import { LeaseSchema } from '../leases/lease.schema';
import { LiveTailSchema, LiveTailWatcherSchema } from '../metrics/live-tail.schema';
import { MetricsMinuteSchema } from '../metrics/metrics.schema';
import { SubscriptionSchema } from '../subscriptions/subscription.schema';

/** Model names, prefixed so they cannot clash with the host application's own models. */
export const RELAY_MODELS = {
  subscription: 'RelaySubscription',
  checkpoint: 'RelayCheckpoint',
  lease: 'RelayLease',
  instance: 'RelayInstance',
  deadLetter: 'RelayDeadLetter',
  metricsMinute: 'RelayMetricsMinute',
  command: 'RelayCommand',
  liveTail: 'RelayLiveTail',
  liveTailWatcher: 'RelayLiveTailWatcher',
  journal: 'RelayJournalRecord',
} as const;

export const RELAY_MODEL_DEFINITIONS: ModelDefinition[] = [
  { name: RELAY_MODELS.subscription, schema: SubscriptionSchema },
  { name: RELAY_MODELS.checkpoint, schema: CheckpointSchema },
  { name: RELAY_MODELS.lease, schema: LeaseSchema },
  { name: RELAY_MODELS.instance, schema: InstanceSchema },
  { name: RELAY_MODELS.deadLetter, schema: DeadLetterSchema },
  { name: RELAY_MODELS.metricsMinute, schema: MetricsMinuteSchema },
  { name: RELAY_MODELS.command, schema: CommandSchema },
  { name: RELAY_MODELS.liveTail, schema: LiveTailSchema },
  { name: RELAY_MODELS.liveTailWatcher, schema: LiveTailWatcherSchema },
  { name: RELAY_MODELS.journal, schema: JournalSchema },
];

/** E11000: a unique index (or `_id`) refused the write. */
export function isDuplicateKeyError(error: unknown): boolean {
  return (
    typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 11000
  );
}
