import { Float, GraphQLISODateTime, Int, ObjectType } from '@nestjs/graphql';
import { GraphQLJSON } from '../../subscriptions/dto/json.scalar';
import { OutputField } from '../../subscriptions/dto/output-field.decorator';

const numberMap = { type: 'object', additionalProperties: { type: 'number' } } as const;

@ObjectType('Process', { description: 'One business process: the events of one correlation id' })
export class ProcessView {
  @OutputField(() => String, { description: 'The correlation id' })
  correlationId: string;

  @OutputField(() => String, {
    description: 'The process id (correlation.processPath)',
    nullable: true,
  })
  processId: string | null;

  @OutputField(() => String, {
    description:
      'By the latest outcome of each event: Success (all delivered, or replayed), Failed (any failed or dead-lettered and not replayed since), In Progress (events pending)',
    swagger: { enum: ['Success', 'Failed', 'In Progress'] },
  })
  status: string;

  @OutputField(() => GraphQLISODateTime, { description: 'Change time of its first event' })
  start: Date;

  @OutputField(() => GraphQLISODateTime, {
    description: 'Completion of its last event; null while in progress',
    nullable: true,
  })
  end: Date | null;

  @OutputField(() => Float, { description: 'end - start in ms (in progress: so far)' })
  durationMs: number;

  @OutputField(() => String, {
    description: 'Its events in change order: service:operation:collection -> ...',
  })
  sequence: string;

  @OutputField(() => Int, {
    description: 'Events of the process (a replayed event once)',
  })
  eventCount: number;

  @OutputField(() => [String], {
    description: 'Services involved (subscribers and owners of the watched collections)',
    swagger: { type: [String] },
  })
  services: string[];

  @OutputField(() => [String], { description: 'Collections changed', swagger: { type: [String] } })
  collections: string[];

  @OutputField(() => Int, { description: 'Events delivered, or replayed, at last' })
  delivered: number;

  @OutputField(() => Int, {
    description: 'Events failed or dead-lettered at last (a successful replay clears them)',
  })
  failed: number;

  @OutputField(() => Int, { description: 'Events still queued or retrying' })
  pending: number;

  @OutputField(() => Int, {
    description: 'Of the delivered: events a dead-letter replay delivered after they failed',
  })
  replayed: number;

  @OutputField(() => GraphQLJSON, {
    description: 'Sums of the numeric business fields (journal.fields)',
    swagger: numberMap,
  })
  businessValues: Record<string, number>;
}

@ObjectType('ProcessSummary')
export class ProcessSummaryView {
  @OutputField(() => Int, { description: 'Processes matching the filters' })
  total: number;

  @OutputField(() => Int, { description: 'Successful processes' })
  success: number;

  @OutputField(() => Int, { description: 'Failed processes' })
  failed: number;

  @OutputField(() => Int, { description: 'Processes in progress' })
  inProgress: number;

  @OutputField(() => Float, {
    description: 'Average duration of the finished processes, ms',
    nullable: true,
  })
  averageDurationMs: number | null;

  @OutputField(() => GraphQLJSON, {
    description: 'Business field sums over all the processes',
    swagger: numberMap,
  })
  businessValues: Record<string, number>;

  @OutputField(() => [ProcessView], { description: 'The 10 longest processes' })
  top: ProcessView[];
}

@ObjectType('Processes')
export class ProcessesView {
  @OutputField(() => String, { description: 'The range asked for' })
  range: string;

  @OutputField(() => GraphQLISODateTime, { description: 'Start of the range' })
  from: Date;

  @OutputField(() => GraphQLISODateTime, { description: 'End of the range (now)' })
  to: Date;

  @OutputField(() => ProcessSummaryView, { description: 'Figures over every matching process' })
  summary: ProcessSummaryView;

  @OutputField(() => [ProcessView], { description: 'Processes, newest first, up to limit' })
  processes: ProcessView[];
}

@ObjectType('ProcessEvent', { description: 'One journal record of a process' })
export class ProcessEventView {
  @OutputField(() => String, { description: 'Event id' })
  eventId: string;

  @OutputField(() => String, { description: 'Subscription' })
  subscription: string;

  @OutputField(() => String, { description: 'Subscribing service' })
  service: string;

  @OutputField(() => String, { description: 'Owner of the watched collection', nullable: true })
  sourceService: string | null;

  @OutputField(() => String, { description: 'Database' })
  database: string;

  @OutputField(() => String, { description: 'Collection', nullable: true })
  collection: string | null;

  @OutputField(() => String, { description: 'insert, update, ...' })
  operationType: string;

  @OutputField(() => String, {
    description: 'delivered, failed, dead-lettered, replayed or pending',
  })
  outcome: string;

  @OutputField(() => Boolean, {
    description:
      'This record is a dead-letter replay of the event (a later record than its failure)',
  })
  replay: boolean;

  @OutputField(() => Int, { description: 'Handler attempts' })
  attempts: number;

  @OutputField(() => GraphQLISODateTime, { description: 'Change time', nullable: true })
  changedAt: Date | null;

  @OutputField(() => GraphQLISODateTime, { description: 'Read from the stream' })
  receivedAt: Date;

  @OutputField(() => GraphQLISODateTime, { description: 'Outcome reached', nullable: true })
  completedAt: Date | null;

  @OutputField(() => Float, { description: 'Handler time, ms' })
  handlingMs: number;

  @OutputField(() => Float, { description: 'End-to-end latency, ms' })
  latencyMs: number;

  @OutputField(() => Int, { description: 'Event size, bytes' })
  sizeBytes: number;

  @OutputField(() => GraphQLJSON, {
    description: 'Business fields',
    swagger: { type: 'object', additionalProperties: true },
  })
  fields: Record<string, unknown>;

  @OutputField(() => String, { description: 'Last error of a failed event', nullable: true })
  error: string | null;
}

@ObjectType('ProcessTimeline')
export class ProcessTimelineView {
  @OutputField(() => ProcessView, { description: 'The process' })
  process: ProcessView;

  @OutputField(() => [ProcessEventView], { description: 'Its events in change order' })
  events: ProcessEventView[];
}

@ObjectType('ServiceInteraction', {
  description: 'Events from a source service to a subscribing service (an edge)',
})
export class InteractionView {
  @OutputField(() => String, {
    description: 'Owner of the watched collection (source.ownerService); null if not declared',
    nullable: true,
  })
  sourceService: string | null;

  @OutputField(() => String, { description: 'Subscribing service' })
  service: string;

  @OutputField(() => String, { description: 'Collection', nullable: true })
  collection: string | null;

  @OutputField(() => String, { description: 'Operation type' })
  operationType: string;

  @OutputField(() => Int, { description: 'Events handled' })
  count: number;

  @OutputField(() => Float, { description: 'Events per minute over the range' })
  perMinute: number;

  @OutputField(() => Float, { description: 'Delivered (or replayed) ÷ handled, 0 to 1' })
  successRate: number;

  @OutputField(() => Int, { description: 'Events failed or dead-lettered' })
  failed: number;

  @OutputField(() => Float, { description: 'Average handler time, ms' })
  avgHandlingMs: number;

  @OutputField(() => Float, { description: 'Largest handler time, ms' })
  maxHandlingMs: number;

  @OutputField(() => Float, { description: 'Average event size, bytes' })
  avgBytes: number;

  @OutputField(() => Float, { description: 'Bytes in all' })
  totalBytes: number;
}

@ObjectType('ServiceNode', { description: 'A service of the dependency graph' })
export class ServiceNodeView {
  @OutputField(() => String, { description: 'Service name' })
  service: string;

  @OutputField(() => Int, { description: 'Events it handled (incoming edges)' })
  handled: number;

  @OutputField(() => Int, { description: 'Events of its collections others handled (outgoing)' })
  emitted: number;
}

@ObjectType('ServiceInteractions', { description: 'The dependency graph of the services' })
export class InteractionsView {
  @OutputField(() => String, { description: 'The range asked for' })
  range: string;

  @OutputField(() => GraphQLISODateTime, { description: 'Start of the range' })
  from: Date;

  @OutputField(() => GraphQLISODateTime, { description: 'End of the range (now)' })
  to: Date;

  @OutputField(() => [ServiceNodeView], { description: 'Services, by name' })
  nodes: ServiceNodeView[];

  @OutputField(() => [InteractionView], { description: 'Edges, most events first' })
  edges: InteractionView[];
}
