/** Process and interaction figures computed over the event journal (see journal-analytics.repository.ts). */

export const PROCESS_STATUSES = ['Success', 'Failed', 'In Progress'] as const;
export type ProcessStatus = (typeof PROCESS_STATUSES)[number];

export interface ProcessQuery {
  /** Records received from this time on. */
  since: Date;
  /** "Now": the end of in-progress durations and the reference of `stuckAfterMs`. */
  now: Date;
  status?: ProcessStatus;
  /** Processes this service took part in (as subscriber or as owner of a watched collection). */
  service?: string;
  /** Only processes in progress that started longer ago than this. */
  stuckAfterMs?: number;
  /** Only records of these subscribing services (a service-scoped caller); undefined: all. */
  visibleServices?: readonly string[];
  /** Processes listed at most (the summary counts them all). */
  limit: number;
  /** One process only. */
  correlationId?: string;
}

/**
 * One business process: the journal records sharing a correlation id. Each event (subscription
 * + event id) counts once, judged by its latest record: a dead-lettered event that a replay
 * delivered counts as delivered (and replayed), one whose replay failed as failed.
 */
export interface ProcessRow {
  correlationId: string;
  processId: string | null;
  status: ProcessStatus;
  /** The earliest change time (else receipt) of its events. */
  start: Date;
  /** The latest completion; null while in progress. */
  end: Date | null;
  /** end - start; while in progress, now - start. */
  durationMs: number;
  /** `service:operation:collection -> ...` in change order, each event once. */
  sequence: string;
  /** Events (a replayed event once, however many records it has). */
  eventCount: number;
  /** Subscribing services and owners of the watched collections, sorted. */
  services: string[];
  collections: string[];
  /** Events whose latest outcome is delivered or replayed. */
  delivered: number;
  /** Events whose latest outcome is failed or dead-lettered. */
  failed: number;
  pending: number;
  /** Of the delivered: events a dead-letter replay delivered after they had failed. */
  replayed: number;
  /** Sums of the numeric business fields. */
  businessValues: Record<string, number>;
}

export interface ProcessSummary {
  total: number;
  success: number;
  failed: number;
  inProgress: number;
  /** Average duration of the finished (successful or failed) processes, ms; null if none. */
  averageDurationMs: number | null;
  /** Sums of the numeric business fields over all processes. */
  businessValues: Record<string, number>;
  /** The 10 longest processes (any status), longest first. */
  top: ProcessRow[];
}

export interface ProcessPage {
  processes: ProcessRow[];
  summary: ProcessSummary;
}

export interface InteractionQuery {
  since: Date;
  now: Date;
  visibleServices?: readonly string[];
}

/**
 * Events from a source service to a subscribing service, by collection and operation; each
 * event once, judged by its latest outcome (a replay is not a second interaction).
 */
export interface InteractionRow {
  /** Owner of the watched collection (`source.ownerService`); null when not declared. */
  sourceService: string | null;
  service: string;
  collection: string | null;
  operationType: string;
  count: number;
  succeeded: number;
  failed: number;
  avgHandlingMs: number;
  maxHandlingMs: number;
  avgBytes: number;
  totalBytes: number;
}
