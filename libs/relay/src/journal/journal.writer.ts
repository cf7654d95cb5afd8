import type { DeliveryEvent, EngineHooks } from '@app/delivery';
import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { Counter } from 'prom-client';
import { RelayPrometheus } from '../metrics/relay-prometheus';
import {
  CHANGE_RELAY_OPTIONS,
  type ResolvedChangeRelayOptions,
} from '../module/change-relay.options';
import { eventIdOf, type RawChangeEvent } from '../source/change-event.mapper';
import type { Subscription } from '../subscriptions/subscription.types';
import { correlationOf, inSample } from './journal.correlation';
import { toRecord, type PendingEntry } from './journal.record';
import { JournalRepository } from './journal.repository';
import type { JournalOutcome, StoredJournalRecord } from './journal.types';

/** Why a record was not journaled. */
export type JournalDropReason = 'buffer-full' | 'write-failed';

/** An event received from the stream and not settled yet. */
interface InFlightEvent {
  payload: RawChangeEvent;
  receivedAt: number;
  attempts: number;
  lastDurationMs: number;
  lastError: unknown;
  pendingWritten: boolean;
  /** BSON size as the engine weighed it. */
  sizeBytes: number;
}

/** The unsettled events of one worker's engine, so long-running ones can be journaled pending. */
class InFlightTracker {
  readonly events = new Map<number, InFlightEvent>();
  constructor(readonly subscription: Subscription) {}
}

/**
 * A record waiting for the next bulk write. It is built when the event settles, so the buffer
 * holds ~0.5 KB records, not the decoded change events (several KB each, kept alive until the
 * flush, they showed as garbage-collector time).
 */
interface BufferedRecord {
  subscription: Subscription;
  /** A pending record may exist for it: the final one replaces it. */
  hadPending: boolean;
  record: StoredJournalRecord;
}

export interface JournalWriterStats {
  buffered: number;
  written: number;
  duplicates: number;
  pendingWritten: number;
  dropped: Record<JournalDropReason, number>;
}

/**
 * Writes the event journal like the metrics recorder writes rollups: engine hooks (synchronous,
 * per event) append to a bounded in-memory buffer and return; a timer (and a full batch) flushes
 * it as unordered bulk inserts. Deliveries never wait for the journal: when the buffer is full
 * the record is dropped, and a bulk the database refuses is dropped; both are counted
 * (`change_relay_journal_records_dropped_total{reason}`) and logged. Events still unsettled one
 * flush interval after receipt (queued or retrying) get a `pending` record, replaced by the
 * final one when they settle, so processes in progress show up.
 */
@Injectable()
export class JournalWriter implements OnModuleDestroy {
  private readonly logger = new Logger(JournalWriter.name);
  private buffer: BufferedRecord[] = [];
  private readonly trackers = new Map<string, InFlightTracker>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private destroyed = false;
  private lastFailureLogAt = 0;
  private readonly totals: JournalWriterStats = {
    buffered: 0,
    written: 0,
    duplicates: 0,
    pendingWritten: 0,
    dropped: { 'buffer-full': 0, 'write-failed': 0 },
  };
  private readonly writtenCounter: Counter<'subscription' | 'service'>;
  private readonly droppedCounter: Counter<'subscription' | 'service' | 'reason'>;

  constructor(
    private readonly repository: JournalRepository,
    prometheus: RelayPrometheus,
    @Inject(CHANGE_RELAY_OPTIONS) private readonly options: ResolvedChangeRelayOptions,
  ) {
    this.writtenCounter = new Counter({
      name: 'change_relay_journal_records_written_total',
      help: 'Event journal records written',
      labelNames: ['subscription', 'service'],
      registers: [prometheus.registry],
    });
    this.droppedCounter = new Counter({
      name: 'change_relay_journal_records_dropped_total',
      help: 'Event journal records dropped (buffer full, or the bulk write failed); deliveries are unaffected',
      labelNames: ['subscription', 'service', 'reason'],
      registers: [prometheus.registry],
    });
  }

  /**
   * Engine hooks that journal one subscription's outcomes (replacing those of an earlier engine
   * life); none when its journal is off.
   */
  hooksFor(subscription: Subscription): EngineHooks<RawChangeEvent> | undefined {
    const settings = subscription.journal;
    if (!settings?.enabled) {
      this.trackers.delete(subscription.name);
      return undefined;
    }
    const tracker = new InFlightTracker(subscription);
    this.trackers.set(subscription.name, tracker);
    this.startTimer();
    const inFlight = tracker.events;
    const sampled =
      settings.sampleRate >= 1
        ? () => true
        : (payload: RawChangeEvent) =>
            inSample(
              correlationOf(payload, eventIdOf(payload._id), subscription.correlation)
                .correlationId,
              settings.sampleRate,
            );
    // The last failed attempt of a replayed event (its handler time and error), until it settles.
    const replayFailures = new Map<string, { durationMs: number; error: unknown }>();
    const replayKey = (event: DeliveryEvent<RawChangeEvent>): string =>
      event.submissionId ?? eventIdOf(event.payload._id);
    const settle = (
      event: DeliveryEvent<RawChangeEvent>,
      outcome: JournalOutcome,
      attempts: number,
      handlingMs: number,
      error: unknown,
    ): void => {
      const entry = inFlight.get(event.seq);
      if (!entry) {
        return; // not sampled (or received before this engine life)
      }
      inFlight.delete(event.seq);
      this.push({
        subscription,
        payload: entry.payload,
        outcome,
        replay: false,
        attempts,
        receivedAt: entry.receivedAt,
        completedAt: Date.now(),
        handlingMs,
        error,
        hadPending: entry.pendingWritten,
        sizeBytes: entry.sizeBytes,
      });
    };
    return {
      received: (event, weight) => {
        if (sampled(event.payload)) {
          inFlight.set(event.seq, {
            payload: event.payload,
            receivedAt: Date.now(),
            attempts: 0,
            lastDurationMs: 0,
            lastError: undefined,
            pendingWritten: false,
            sizeBytes: weight ?? 0,
          });
        }
      },
      delivered: (events, info) => {
        for (const event of events) {
          if (!event.submitted) {
            settle(event, 'delivered', info.attempt, info.durationMs, undefined);
          }
        }
      },
      attemptFailed: (events, info) => {
        for (const event of events) {
          if (event.submitted) {
            replayFailures.set(replayKey(event), {
              durationMs: info.durationMs,
              error: info.error,
            });
            continue;
          }
          const entry = inFlight.get(event.seq);
          if (entry) {
            entry.attempts = info.attempt;
            entry.lastDurationMs = info.durationMs;
            entry.lastError = info.error;
          }
        }
      },
      deadLettered: (event, info) => {
        const entry = inFlight.get(event.seq);
        settle(
          event,
          subscription.deadLetter.enabled ? 'dead-lettered' : 'failed',
          info.attempts,
          entry?.lastDurationMs ?? 0,
          info.error,
        );
      },
      replayed: (event, info) => {
        const key = replayKey(event);
        const failure = replayFailures.get(key);
        replayFailures.delete(key);
        const { outcome } = info;
        if (outcome.status === 'cancelled' || !sampled(event.payload)) {
          return;
        }
        const now = Date.now();
        this.push({
          subscription,
          payload: event.payload,
          outcome: outcome.status === 'delivered' ? 'replayed' : 'failed',
          replay: true,
          attempts: outcome.attempts,
          receivedAt: now - info.durationMs,
          completedAt: now,
          handlingMs: outcome.status === 'failed' ? (failure?.durationMs ?? 0) : info.durationMs,
          error: outcome.status === 'failed' ? outcome.error : undefined,
          hadPending: false,
          sizeBytes: 0,
        });
      },
    };
  }

  /** The worker of this subscription stopped: its unsettled events will come again elsewhere. */
  detach(subscription: string): void {
    this.trackers.delete(subscription);
  }

  /** Counts so far (this process). */
  stats(): JournalWriterStats {
    return {
      ...this.totals,
      buffered: this.buffer.length,
      dropped: { ...this.totals.dropped },
    };
  }

  /** Writes everything buffered now (one flush at a time; a second call waits for it). */
  async flush(): Promise<void> {
    while (this.flushing) {
      await this.flushing;
    }
    this.flushing = this.writeAll().finally(() => {
      this.flushing = undefined;
    });
    await this.flushing;
  }

  /** The periodic flush ends here; the supervisor's shutdown flushes once more after draining. */
  onModuleDestroy(): void {
    this.destroyed = true;
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private push(entry: PendingEntry): void {
    if (this.buffer.length >= this.options.journalMaxBuffered) {
      this.drop(new Map([[entry.subscription, 1]]), 'buffer-full');
      return;
    }
    let record: StoredJournalRecord;
    try {
      record = toRecord(entry);
    } catch (error) {
      // Counted like a refused write: a record is never lost silently.
      this.failed(new Map([[entry.subscription, 1]]), error);
      return;
    }
    this.buffer.push({ subscription: entry.subscription, hadPending: entry.hadPending, record });
    if (this.buffer.length >= this.options.journalBatchSize && !this.flushing) {
      void this.flush();
    }
  }

  private async writeAll(): Promise<void> {
    await this.writePending();
    while (this.buffer.length > 0) {
      const batch = this.buffer.splice(0, this.options.journalBatchSize);
      const counts = perSubscription(batch);
      try {
        const fresh: StoredJournalRecord[] = [];
        const replacing: StoredJournalRecord[] = [];
        for (const entry of batch) {
          (entry.hadPending ? replacing : fresh).push(entry.record);
        }
        const result = await this.repository.insert(fresh);
        await this.repository.replace(replacing);
        this.totals.written += result.inserted + replacing.length;
        this.totals.duplicates += result.duplicates;
        for (const [subscription, count] of counts) {
          this.writtenCounter.inc(labelsOf(subscription), count);
        }
      } catch (error) {
        this.failed(counts, error);
      }
    }
  }

  /** Pending records for events unsettled one flush interval after receipt. */
  private async writePending(): Promise<void> {
    const due = Date.now() - this.options.journalFlushIntervalMs;
    const entries: PendingEntry[] = [];
    const marked: InFlightEvent[] = [];
    for (const tracker of this.trackers.values()) {
      for (const event of tracker.events.values()) {
        if (!event.pendingWritten && event.receivedAt <= due) {
          event.pendingWritten = true;
          marked.push(event);
          entries.push({
            subscription: tracker.subscription,
            payload: event.payload,
            outcome: 'pending',
            replay: false,
            attempts: event.attempts,
            receivedAt: event.receivedAt,
            completedAt: null,
            handlingMs: event.lastDurationMs,
            error: event.lastError,
            hadPending: false,
            sizeBytes: event.sizeBytes,
          });
        }
      }
    }
    if (entries.length === 0) {
      return;
    }
    try {
      await this.repository.markPending(entries.map((entry) => toRecord(entry)));
      this.totals.pendingWritten += entries.length;
    } catch (error) {
      marked.forEach((event) => (event.pendingWritten = false));
      this.failed(perSubscription(entries), error);
    }
  }

  private failed(counts: Map<Subscription, number>, error: unknown): void {
    const dropped = this.drop(counts, 'write-failed');
    const now = Date.now();
    if (now - this.lastFailureLogAt > 10_000) {
      this.lastFailureLogAt = now;
      this.logger.warn(
        `Journal write failed, ${dropped} record(s) dropped (deliveries are unaffected): ${(error as Error).message}`,
      );
    }
  }

  /** Counts dropped records; returns how many. */
  private drop(counts: Map<Subscription, number>, reason: JournalDropReason): number {
    let dropped = 0;
    for (const [subscription, count] of counts) {
      dropped += count;
      this.droppedCounter.inc({ ...labelsOf(subscription), reason }, count);
    }
    this.totals.dropped[reason] += dropped;
    return dropped;
  }

  private startTimer(): void {
    if (!this.timer && !this.destroyed) {
      this.timer = setInterval(() => {
        void this.flush();
      }, this.options.journalFlushIntervalMs).unref();
    }
  }
}

/** Entries counted per subscription. */
function perSubscription(
  entries: readonly { subscription: Subscription }[],
): Map<Subscription, number> {
  const counts = new Map<Subscription, number>();
  for (const entry of entries) {
    counts.set(entry.subscription, (counts.get(entry.subscription) ?? 0) + 1);
  }
  return counts;
}

function labelsOf(subscription: Subscription): { subscription: string; service: string } {
  return { subscription: subscription.name, service: subscription.serviceName };
}
