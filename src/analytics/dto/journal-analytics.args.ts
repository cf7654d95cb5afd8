import { ArgsType } from '@nestjs/graphql';
import { Type } from 'class-transformer';
import {
  IDENTIFIER_PATTERN,
  IDENTIFIER_REASON,
  SUBSCRIPTION_LIMITS,
} from '../../subscriptions/subscription.defaults';
import { IntField, StringField } from '../../subscriptions/dto/api-field.decorators';

/** `30s`, `10m`, `1h`, `7d`: a number (1 to 999) and a unit. */
export const DURATION_PATTERN = /^[1-9][0-9]{0,2}(s|m|h|d)$/;
export const DURATION_REASON =
  'must be a duration such as 30s, 10m, 1h or 7d (1 to 999 seconds, minutes, hours or days)';
const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
/** The longest range the journal analytics look back (the journal keeps a year at most). */
export const MAX_JOURNAL_RANGE_MS = 30 * UNIT_MS.d;

export function durationMs(value: string): number {
  const unit = value.slice(-1) as keyof typeof UNIT_MS;
  return Number(value.slice(0, -1)) * UNIT_MS[unit];
}

export const PROCESS_STATUS_FILTERS = {
  success: 'Success',
  failed: 'Failed',
  'in-progress': 'In Progress',
} as const;
export type ProcessStatusFilter = keyof typeof PROCESS_STATUS_FILTERS;

export const PROCESS_PAGE = { default: 100, max: 1_000 } as const;

const rangeField = (defaultValue: string) =>
  StringField({
    description: 'How far back (by receipt of the events): a duration up to 30d, e.g. 1h, 24h',
    optional: true,
    defaultValue,
    maxLength: 4,
    pattern: DURATION_PATTERN,
    patternReason: DURATION_REASON,
  });

/** GET /analytics/processes and the analyticsProcesses query. */
@ArgsType()
export class ProcessesArgs {
  @rangeField('1h')
  range?: string;

  @StringField({
    description: 'Only processes with this status: success, failed or in-progress',
    optional: true,
    maxLength: 11,
    pattern: /^(success|failed|in-progress)$/,
    patternReason: 'must be one of success, failed, in-progress',
  })
  status?: ProcessStatusFilter;

  @StringField({
    description: 'Only processes this service took part in (subscriber or source)',
    optional: true,
    maxLength: SUBSCRIPTION_LIMITS.serviceNameMaxLength,
    pattern: IDENTIFIER_PATTERN,
    patternReason: IDENTIFIER_REASON,
  })
  service?: string;

  @StringField({
    description: 'Only processes in progress for longer than this duration (stuck), e.g. 10m',
    optional: true,
    maxLength: 4,
    pattern: DURATION_PATTERN,
    patternReason: DURATION_REASON,
  })
  stuckAfter?: string;

  @Type(() => Number)
  @IntField({
    description: 'Processes listed at most, newest first (the summary counts all of them)',
    optional: true,
    min: 1,
    max: PROCESS_PAGE.max,
    defaultValue: PROCESS_PAGE.default,
  })
  limit?: number;
}

/** GET /analytics/interactions and the analyticsInteractions query. */
@ArgsType()
export class InteractionsArgs {
  @rangeField('24h')
  range?: string;
}

/** The analyticsProcess query (REST: GET /analytics/processes/:correlationId). */
@ArgsType()
export class ProcessArgs {
  @StringField({ description: 'The correlation id of the process', maxLength: 1_000 })
  correlationId: string;
}
