/** What happened to an event, as the live tail shows it. */
export type LiveOutcome =
  'delivered' | 'failed-attempt' | 'dead-lettered' | 'replayed' | 'replay-failed';

/** One delivery of the live tail: the envelope's summary, the outcome and its timing. */
export interface LiveDelivery {
  /** The event id (resume token `_data`). */
  id: string;
  operationType: string;
  ns: { db: string; coll: string };
  /** The documentKey as canonical Extended JSON (the ordering key). */
  documentKey: string;
  outcome: LiveOutcome;
  attempt: number;
  /** Change's cluster time → now (end-to-end latency), when the event has a time. */
  latencyMs?: number;
  /** Handler time of the successful (or failed) call. */
  handlerMs?: number;
  /** `Name: message` of a failure (first 200 chars). */
  error?: string;
  at: Date;
}

/** One published batch: a sample of one subscription's deliveries over a short window. */
export interface LiveTailBatch {
  subscription: string;
  at: Date;
  /** Deliveries of the window (all of them, or a uniform sample when busy). */
  deliveries: LiveDelivery[];
  /** How many deliveries the window had: `deliveries.length / seen` is the sampling rate. */
  seen: number;
}
