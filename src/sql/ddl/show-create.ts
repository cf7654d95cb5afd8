import type { SubscriptionView } from '../../subscriptions/dto/subscription.model';
import { sqlLiteral } from './sql-values';

/** An identifier as SQL prints it: bare when it is a plain word, else in backquotes. */
export function sqlIdentifier(name: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? name : `\`${name}\``;
}

/**
 * The CREATE statement that recreates a subscription: every setting written out, so defaults
 * that change later do not change what it creates. The webhook secret is never shown; a comment
 * says when one is set.
 */
export function showCreateStatement(view: SubscriptionView): string {
  const options: [string, unknown][] = [['service_name', view.serviceName]];
  if (view.description) {
    options.push(['description', view.description]);
  }
  if (view.createdBy) {
    options.push(['created_by', view.createdBy]);
  }
  const { source, handler, delivery, retry, deadLetter, startFrom } = view;
  options.push(
    ['database', source.database],
    ['watch_collections', source.collections],
    ['event_types', source.operationTypes],
  );
  const [first, ...rest] = source.pipeline;
  const firstIsFilter = first !== undefined && Object.keys(first).length === 1 && '$match' in first;
  if (firstIsFilter) {
    options.push(['event_filter', first.$match]);
  }
  const stages = firstIsFilter ? rest : source.pipeline;
  if (stages.length > 0) {
    options.push(['pipeline', stages]);
  }
  options.push(
    ['full_document', source.fullDocument],
    ['full_document_before_change', source.fullDocumentBeforeChange],
  );
  const comments: string[] = [];
  if (handler.type === 'webhook') {
    options.push(['webhook_url', handler.url], ['webhook_timeout_ms', handler.timeoutMs]);
    if (handler.headers && Object.keys(handler.headers).length > 0) {
      options.push(['webhook_headers', handler.headers]);
      comments.push(
        'header values shown as *** are stored encrypted and not shown; give them again',
      );
    }
    if (handler.secretSet) {
      comments.push("a webhook_secret is set and never shown; add webhook_secret = '...'");
    }
  } else {
    options.push(['handler', handler.name]);
  }
  // The journal settings (issue 15) when this server has them: written out so they round-trip.
  const extra = view as SubscriptionView & {
    source: { ownerService?: string };
    journal?: { enabled: boolean; retentionHours: number; sampleRate: number; fields: object };
    correlation?: { idPath: string; processPath?: string };
  };
  if (extra.source.ownerService) {
    options.push(['owner_service', extra.source.ownerService]);
  }
  options.push(
    ['ordering', delivery.ordering],
    ['concurrency', delivery.concurrency],
    ['batch_size', delivery.batchSize],
    ['batch_wait_ms', delivery.batchWaitMs],
    ['processing_timeout_ms', delivery.timeoutMs],
    ['max_retry_attempts', retry.maxAttempts - 1],
    ['retry_delay_ms', retry.initialDelayMs],
    ['retry_max_delay_ms', retry.maxDelayMs],
    ['retry_multiplier', retry.multiplier],
    ['retry_jitter', retry.jitter],
    ['dead_letter_queue_enabled', deadLetter.enabled],
    ['dead_letter_retention_days', deadLetter.retentionDays],
    ['start_position', startFrom.position],
  );
  if (startFrom.timestamp) {
    options.push(['start_timestamp', new Date(startFrom.timestamp).toISOString()]);
  }
  if (extra.journal) {
    options.push(
      ['journal_enabled', extra.journal.enabled],
      ['journal_retention_hours', extra.journal.retentionHours],
      ['journal_sample_rate', extra.journal.sampleRate],
      ['journal_fields', extra.journal.fields],
    );
  }
  if (extra.correlation) {
    options.push(['correlation_id_path', extra.correlation.idPath]);
    if (extra.correlation.processPath) {
      options.push(['correlation_process_path', extra.correlation.processPath]);
    }
  }
  options.push(['state', view.desiredState]);
  const lines = options.map(([name, value]) => `  ${name} = ${sqlLiteral(value)}`);
  const header = comments.map((comment) => `-- ${comment}\n`).join('');
  return `${header}CREATE EVENT_SUBSCRIPTION ${sqlIdentifier(view.name)} AS (\n${lines.join(',\n')}\n);`;
}
