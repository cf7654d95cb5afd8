import { registerEnumType } from '@nestjs/graphql';

function graphqlEnum<T extends string>(name: string, values: readonly T[], description: string) {
  const enumObject = Object.fromEntries(values.map((value) => [value, value])) as { [K in T]: K };
  registerEnumType(enumObject, { name, description });
  return { name, values, enumObject };
}

export const DEAD_LETTER_STATUSES = ['pending', 'replayed', 'discarded'] as const;
export const DeadLetterStatusEnum = graphqlEnum(
  'DeadLetterStatus',
  DEAD_LETTER_STATUSES,
  'Where a dead letter stands',
);

export const REPLAY_JOB_STATES = ['waiting', 'running', 'done', 'failed', 'cancelled'] as const;
export type ReplayJobState = (typeof REPLAY_JOB_STATES)[number];
export const ReplayJobStateEnum = graphqlEnum(
  'ReplayJobState',
  REPLAY_JOB_STATES,
  'Where a replay job stands (waiting: for its subscription to run; see waitingFor)',
);
