// The GraphQL documents the dashboard sends, in one place.

const LATENCY = 'latency { p50Ms p95Ms p99Ms maxMs averageHandlerMs }';
const COUNTS = 'received delivered failedAttempts retried deadLettered replayed';
const TREND =
  'bucket series { key points { at received delivered failedAttempts retried deadLettered } }';

export const OVERVIEW = `query Overview($range: String) {
  analyticsOverview(range: $range) {
    range eventsPerMinute successRate largestLagMs pendingDeadLetters
    health { status reasons } ${LATENCY} totals { ${COUNTS} }
    services { service subscriptions successRate health { status reasons } }
    subscriptions { name service state lagMs successRate pendingDeadLetters
      health { status reasons } recommendations { action reason value } }
  }
  analyticsTrends(range: $range) { ${TREND} }
  instances { id service version live lastSeen startedAt handlers subscriptions }
}`;

const STATUS_FIELDS = `name state desiredState actualState owner lagMs handler lastEventAt warnings
  lastError { at message code } stale { at reason code } checkpoint { ageMs clusterTime updatedAt }
  counters { received delivered failedAttempts retried deadLettered replayed replayFailed }`;

export const SUBSCRIPTION_LIST = `query SubscriptionList {
  subscriptions { name serviceName state desiredState description handler { type name } }
  subscriptionStatuses { ${STATUS_FIELDS} }
  analyticsOverview(range: "1h") { subscriptions { name lagMs counts { received } health { status reasons } } }
}`;

const DEFINITION = `name serviceName description state desiredState revision createdAt updatedAt startAt
  source { database collections operationTypes pipeline fullDocument fullDocumentBeforeChange }
  handler { type name url timeoutMs secretSet headers }
  delivery { ordering concurrency batchSize batchWaitMs timeoutMs }
  retry { maxAttempts initialDelayMs maxDelayMs multiplier jitter }
  deadLetter { enabled retentionDays }`;

/** The oplog window and the subscription's margin to it (detail page only). */
const OPLOG_FIELDS = `oplog { available reason windowMs marginMs marginPct timeToLossMs status }`;

export const SUBSCRIPTION_DETAIL = `query SubscriptionDetail($name: String!, $range: String) {
  subscription(name: $name) { ${DEFINITION} }
  subscriptionStatus(name: $name) { ${STATUS_FIELDS} ${OPLOG_FIELDS} }
  analyticsTrends(range: $range, subscription: $name) { ${TREND} }
  analyticsOverview(range: $range) { subscriptions { name health { status reasons } successRate
    ${LATENCY} recommendations { action reason value } } }
  analyticsErrors(range: $range, subscription: $name) { failedAttempts deadLettered
    errors { name code httpStatus failedAttempts deadLettered latestAt sampleMessage } }
}`;

export const SUBSCRIPTION_DEFINITION = `query SubscriptionDefinition($name: String!) {
  subscription(name: $name) { ${DEFINITION} }
}`;

export const LIVE_STATUS = `query LiveStatus($name: String!) {
  subscriptionStatus(name: $name) { ${STATUS_FIELDS} }
}`;

export const SUBSCRIPTION_EVENTS = `subscription SubscriptionEvents($name: String!) {
  subscriptionEvents(name: $name) {
    subscription id operationType ns { db coll } documentKey outcome attempt latencyMs handlerMs error at
    sampleRate
  }
}`;

export const PAUSE = `mutation Pause($name: String!) { pauseSubscription(name: $name) { name desiredState } }`;
export const RESUME = `mutation Resume($name: String!) { resumeSubscription(name: $name) { name desiredState } }`;
export const RESET = `mutation Reset($name: String!) { resetSubscription(name: $name) { name desiredState } }`;

export const RESYNC = `mutation Resync($name: String!) { resyncSubscription(name: $name) { name desiredState } }`;
export const REWIND = `mutation Rewind($name: String!, $timestamp: DateTime!) {
  rewindSubscription(name: $name, input: { timestamp: $timestamp }) { name desiredState }
}`;

export const CREATE = `mutation Create($input: CreateSubscriptionInput!) { createSubscription(input: $input) { name } }`;
export const UPDATE = `mutation Update($name: String!, $input: UpdateSubscriptionInput!) {
  updateSubscription(name: $name, input: $input) { name revision }
}`;

const DEAD_LETTER_FIELDS = `id subscription service status key eventId attempts replayCount firstFailedAt lastFailedAt
  discardReason error { name message code httpStatus responseBody }`;

export const DEAD_LETTERS = `query DeadLetters($subscription: String, $status: DeadLetterStatus, $errorName: String,
  $httpStatus: Int, $cursor: String, $limit: Int) {
  deadLetters(subscription: $subscription, status: $status, errorName: $errorName, httpStatus: $httpStatus,
    cursor: $cursor, limit: $limit) { total nextCursor items { ${DEAD_LETTER_FIELDS} } }
  deadLetterSummary { bySubscription { subscription service pending } }
}`;

export const DEAD_LETTER = `query DeadLetter($id: String!) {
  deadLetter(id: $id) { ${DEAD_LETTER_FIELDS} event replays { at outcome attempts jobId } }
}`;

const JOB_FIELDS =
  'id subscription state waitingFor total succeeded failed skipped dryRun error startedAt finishedAt';

export const REPLAY_ONE = `mutation ReplayOne($id: String!) { replayDeadLetter(id: $id) { ${JOB_FIELDS} } }`;
export const REPLAY_MANY = `mutation ReplayMany($input: ReplayDeadLettersInput!) { replayDeadLetters(input: $input) { ${JOB_FIELDS} } }`;
export const REPLAY_JOB = `query ReplayJob($jobId: String!) { deadLetterReplayJob(jobId: $jobId) { ${JOB_FIELDS} } }`;
export const CANCEL_JOB = `mutation CancelJob($jobId: String!) { cancelDeadLetterReplay(jobId: $jobId) { ${JOB_FIELDS} } }`;
export const DISCARD = `mutation Discard($id: String!, $reason: String!) {
  discardDeadLetter(id: $id, input: { reason: $reason }) { id status }
}`;
