import { InputType } from '@nestjs/graphql';
import { DEFAULT_JOURNAL_SETTINGS } from '@app/relay';
import {
  EVENT_PATH_PATTERN,
  EVENT_PATH_REASON,
  SUBSCRIPTION_LIMITS,
} from '../subscription.defaults';
import {
  BooleanField,
  IntField,
  NumberField,
  StringField,
  StringMapField,
} from './api-field.decorators';
import { IsJournalFields } from './subscription.validators';

/** The event journal of a subscription; the same class serves create and PATCH (merged). */
@InputType({ description: 'The event journal: one record per handled event, kept for a while' })
export class JournalInput {
  @BooleanField({
    description: 'Journal the events this subscription handles (for process analytics)',
    optional: true,
    defaultValue: DEFAULT_JOURNAL_SETTINGS.enabled,
  })
  enabled?: boolean;

  @IntField({
    description: 'Hours a journal record is kept (TTL)',
    optional: true,
    defaultValue: DEFAULT_JOURNAL_SETTINGS.retentionHours,
    ...SUBSCRIPTION_LIMITS.journalRetentionHours,
  })
  retentionHours?: number;

  @NumberField({
    description:
      'Fraction of processes journaled, above 0 and at most 1; sampled by correlation id, so a ' +
      'process is journaled whole or not at all',
    optional: true,
    defaultValue: DEFAULT_JOURNAL_SETTINGS.sampleRate,
    ...SUBSCRIPTION_LIMITS.journalSampleRate,
  })
  sampleRate?: number;

  @StringMapField({
    description:
      'Business fields recorded with each event: name (letters, digits, _) → path into the change ' +
      'event, e.g. {"orderTotal": "fullDocument.total"}; numbers are summed by the process analytics',
    optional: true,
    defaultValue: DEFAULT_JOURNAL_SETTINGS.fields,
    example: { orderTotal: 'fullDocument.total' },
  })
  @IsJournalFields()
  fields?: Record<string, string>;
}

/** How events are tied to a business process. Replaced as a whole by a PATCH. */
@InputType({ description: 'Paths into the change event that tie events to a business process' })
export class CorrelationInput {
  @StringField({
    description:
      'Events with the same value here share a correlation id (e.g. fullDocument.orderId); ' +
      'events without one fall back to their transaction (lsid + txnNumber), then their own id',
    example: 'fullDocument.orderId',
    maxLength: SUBSCRIPTION_LIMITS.eventPathMaxLength,
    pattern: EVENT_PATH_PATTERN,
    patternReason: EVENT_PATH_REASON,
  })
  idPath: string;

  @StringField({
    description: 'Optional process id recorded with each event (e.g. fullDocument.processType)',
    optional: true,
    example: 'fullDocument.flow',
    maxLength: SUBSCRIPTION_LIMITS.eventPathMaxLength,
    pattern: EVENT_PATH_PATTERN,
    patternReason: EVENT_PATH_REASON,
  })
  processPath?: string;
}
