import { Injectable } from '@nestjs/common';
import {
  DomainError,
  JournalAnalyticsRepository,
  isReplayRecord,
  type InteractionRow,
  type JournalRecord,
} from '@app/relay';
import type { Principal } from '../auth/principal';
import {
  MAX_JOURNAL_RANGE_MS,
  PROCESS_PAGE,
  PROCESS_STATUS_FILTERS,
  durationMs,
  type InteractionsArgs,
  type ProcessesArgs,
} from './dto/journal-analytics.args';
import type {
  InteractionView,
  InteractionsView,
  ProcessEventView,
  ProcessTimelineView,
  ProcessesView,
  ServiceNodeView,
} from './dto/journal-analytics.model';

/** Unknown sources are shown under this name in the dependency graph. */
export const UNKNOWN_SOURCE = '(unknown)';

/** Process and interaction analytics over the event journal (the aggregations are in the repository). */
@Injectable()
export class JournalAnalyticsService {
  constructor(private readonly journal: JournalAnalyticsRepository) {}

  async processes(args: ProcessesArgs, caller: Principal): Promise<ProcessesView> {
    const range = args.range ?? '1h';
    const to = new Date();
    const from = new Date(to.getTime() - rangeMs(range));
    const page = await this.journal.processes({
      since: from,
      now: to,
      limit: args.limit ?? PROCESS_PAGE.default,
      ...(args.status ? { status: PROCESS_STATUS_FILTERS[args.status] } : {}),
      ...(args.service ? { service: args.service } : {}),
      ...(args.stuckAfter ? { stuckAfterMs: durationMs(args.stuckAfter) } : {}),
      ...(caller.services ? { visibleServices: caller.services } : {}),
    });
    return { range, from, to, ...page };
  }

  async process(correlationId: string, caller: Principal): Promise<ProcessTimelineView> {
    const visible = caller.services ? { visibleServices: caller.services } : {};
    const [page, records] = await Promise.all([
      this.journal.processes({
        since: new Date(0),
        now: new Date(),
        limit: 1,
        correlationId,
        ...visible,
      }),
      this.journal.timeline(correlationId, caller.services),
    ]);
    const [process] = page.processes;
    if (!process) {
      throw new DomainError(
        'NOT_FOUND',
        `No journaled process has correlation id "${correlationId}"`,
        [{ field: 'correlationId', reason: 'no journal record has this correlation id' }],
      );
    }
    return { process, events: records.map(toEventView) };
  }

  async interactions(args: InteractionsArgs, caller: Principal): Promise<InteractionsView> {
    const range = args.range ?? '24h';
    const to = new Date();
    const spanMs = rangeMs(range);
    const from = new Date(to.getTime() - spanMs);
    const rows = await this.journal.interactions({
      since: from,
      now: to,
      ...(caller.services ? { visibleServices: caller.services } : {}),
    });
    const minutes = spanMs / 60_000;
    const edges = rows.map((row) => toInteractionView(row, minutes));
    return { range, from, to, nodes: nodesOf(edges), edges };
  }
}

function rangeMs(range: string): number {
  const ms = durationMs(range);
  if (ms > MAX_JOURNAL_RANGE_MS) {
    throw new DomainError('BAD_INPUT', `range ${range} is longer than 30d`, [
      { field: 'range', reason: 'must be at most 30d' },
    ]);
  }
  return ms;
}

function toInteractionView(row: InteractionRow, minutes: number): InteractionView {
  return {
    sourceService: row.sourceService,
    service: row.service,
    collection: row.collection,
    operationType: row.operationType,
    count: row.count,
    perMinute: row.count / minutes,
    successRate: row.count === 0 ? 0 : row.succeeded / row.count,
    failed: row.failed,
    avgHandlingMs: row.avgHandlingMs,
    maxHandlingMs: row.maxHandlingMs,
    avgBytes: row.avgBytes,
    totalBytes: row.totalBytes,
  };
}

function nodesOf(edges: readonly InteractionView[]): ServiceNodeView[] {
  const nodes = new Map<string, ServiceNodeView>();
  const node = (service: string): ServiceNodeView => {
    let found = nodes.get(service);
    if (!found) {
      found = { service, handled: 0, emitted: 0 };
      nodes.set(service, found);
    }
    return found;
  };
  for (const edge of edges) {
    node(edge.service).handled += edge.count;
    node(edge.sourceService ?? UNKNOWN_SOURCE).emitted += edge.count;
  }
  return [...nodes.values()].sort((a, b) => a.service.localeCompare(b.service));
}

function toEventView(record: JournalRecord): ProcessEventView {
  return {
    eventId: record.eventId,
    subscription: record.subscription,
    service: record.service,
    sourceService: record.sourceService,
    database: record.ns.db,
    collection: record.ns.coll,
    operationType: record.operationType,
    outcome: record.outcome,
    replay: isReplayRecord(record),
    attempts: record.attempts,
    changedAt: record.changedAt,
    receivedAt: record.receivedAt,
    completedAt: record.completedAt,
    handlingMs: record.handlingMs,
    latencyMs: record.latencyMs,
    sizeBytes: record.sizeBytes,
    fields: record.fields,
    error: record.error?.message ?? null,
  };
}
