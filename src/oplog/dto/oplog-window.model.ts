import { Float, GraphQLISODateTime, ObjectType } from '@nestjs/graphql';
import type { OplogWindow } from '@app/relay';
import { OutputField } from '../../subscriptions/dto/output-field.decorator';

@ObjectType('OplogWindow', {
  description: 'The history the deployment keeps: its oplog’s first and last entries and size',
})
export class OplogWindowView {
  @OutputField(() => Boolean, {
    description: 'False when the oplog cannot be read (permissions, sharded router); see reason',
  })
  available: boolean;

  @OutputField(() => String, { description: 'Why the oplog cannot be read', nullable: true })
  reason?: string;

  @OutputField(() => GraphQLISODateTime, { description: "The oplog's first entry", nullable: true })
  firstEntryAt?: Date;

  @OutputField(() => GraphQLISODateTime, { description: "The oplog's last entry", nullable: true })
  lastEntryAt?: Date;

  @OutputField(() => Float, {
    description: 'Milliseconds of history it holds (last − first entry)',
    nullable: true,
  })
  windowMs?: number;

  @OutputField(() => Float, { description: 'Size in bytes (collStats)', nullable: true })
  sizeBytes?: number;

  @OutputField(() => Float, { description: 'Maximum size in bytes', nullable: true })
  maxSizeBytes?: number;

  @OutputField(() => Boolean, {
    description: 'Full: its oldest entries roll off as new ones are written',
    nullable: true,
  })
  rolling?: boolean;
}

export function toOplogWindowView(window: OplogWindow): OplogWindowView {
  if (!window.available) {
    return { available: false, reason: window.reason };
  }
  return {
    available: true,
    firstEntryAt: window.firstAt,
    lastEntryAt: window.lastAt,
    windowMs: window.windowMs,
    ...(window.sizeBytes !== undefined ? { sizeBytes: window.sizeBytes } : {}),
    ...(window.maxSizeBytes !== undefined ? { maxSizeBytes: window.maxSizeBytes } : {}),
    rolling: window.rolling,
  };
}
