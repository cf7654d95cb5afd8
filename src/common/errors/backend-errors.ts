/**
 * Errors that mean "MongoDB cannot be reached right now", from the driver or mongoose. Every
 * route answers them with the same 503 (UNAVAILABLE), reads and writes alike, instead of a 500.
 */
const UNAVAILABLE_ERROR_NAMES: ReadonlySet<string> = new Set([
  'MongoServerSelectionError',
  'MongooseServerSelectionError',
  'MongoNetworkError',
  'MongoNetworkTimeoutError',
  'MongoNotConnectedError',
  'MongoTopologyClosedError',
  'MongoPoolClosedError',
  'MongoPoolClearedError',
]);

export function isBackendUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) {
    return false;
  }
  if (UNAVAILABLE_ERROR_NAMES.has(error.name)) {
    return true;
  }
  // mongoose queues operations while it connects, and gives up after bufferTimeoutMS.
  return error.name === 'MongooseError' && /buffering timed out/.test(error.message);
}

export const BACKEND_UNAVAILABLE_MESSAGE =
  'MongoDB is unavailable; try again once /health/ready answers 200';
