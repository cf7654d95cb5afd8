/**
 * MongoDB server errors as the emulator reports them: `{ok: 0, errmsg, code, codeName, errorLabels}`.
 * Codes and names follow src/mongo/base/error_codes.yml of the MongoDB server.
 */
export const ErrorCode = {
  InternalError: 1,
  BadValue: 2,
  NoSuchKey: 4,
  HostUnreachable: 6,
  HostNotFound: 7,
  FailedToParse: 9,
  TypeMismatch: 14,
  InvalidLength: 16,
  IllegalOperation: 20,
  NamespaceNotFound: 26,
  IndexNotFound: 27,
  PathNotViable: 28,
  ConflictingUpdateOperators: 40,
  CursorNotFound: 43,
  NoMatchingDocument: 47,
  NamespaceExists: 48,
  MaxTimeMSExpired: 50,
  NotSingleValueField: 54,
  DollarPrefixedFieldName: 52,
  CommandNotFound: 59,
  ImmutableField: 66,
  InvalidOptions: 72,
  InvalidNamespace: 73,
  IndexOptionsConflict: 85,
  IndexKeySpecsConflict: 86,
  NetworkTimeout: 89,
  ShutdownInProgress: 91,
  OperationFailed: 96,
  WriteConflict: 112,
  CommandNotSupported: 115,
  CommandNotSupportedOnView: 166,
  ViewDepthLimitExceeded: 168,
  OptionNotSupportedOnView: 167,
  DocumentValidationFailure: 121,
  NotImplemented: 238,
  NoSuchTransaction: 251,
  TransactionCommitted: 256,
  InvalidResumeToken: 260,
  ExceededTimeLimit: 262,
  OperationNotSupportedInTransaction: 263,
  TransactionTooOld: 225,
  ChangeStreamFatalError: 280,
  ChangeStreamHistoryLost: 286,
  PrimarySteppedDown: 189,
  SocketException: 9001,
  DuplicateKey: 11000,
  BSONObjectTooLarge: 10334,
  InterruptedAtShutdown: 11600,
  InterruptedDueToReplStateChange: 11602,
  NotWritablePrimary: 10107,
  NotPrimaryNoSecondaryOk: 13435,
  NotPrimaryOrSecondary: 13436,
  Unauthorized: 13,
  CursorInUse: 292,
  CursorKilled: 237,
  Location40415: 40415,
  // 'Unrecognized pipeline stage name' (a Location code: its codeName is Location40324).
  Location40324: 40324,
  Interrupted: 11601,
  // '$changeStreamSplitLargeEvent can only appear as the last stage' (a Location code).
  Location7182802: 7182802,
} as const;

const codeNames = new Map<number, string>(
  Object.entries(ErrorCode).map(([name, code]) => [code, name] as [number, string]),
);

export function codeNameOf(code: number): string {
  return codeNames.get(code) ?? `Location${code}`;
}

/** Codes the server treats as transient: retryable writes and resumable change streams. */
export const RETRYABLE_CODES: ReadonlySet<number> = new Set([
  ErrorCode.HostUnreachable,
  ErrorCode.HostNotFound,
  ErrorCode.NetworkTimeout,
  ErrorCode.ShutdownInProgress,
  ErrorCode.PrimarySteppedDown,
  ErrorCode.ExceededTimeLimit,
  ErrorCode.SocketException,
  ErrorCode.NotWritablePrimary,
  ErrorCode.InterruptedAtShutdown,
  ErrorCode.InterruptedDueToReplStateChange,
  ErrorCode.NotPrimaryNoSecondaryOk,
  ErrorCode.NotPrimaryOrSecondary,
  134, // ReadConcernMajorityNotAvailableYet
]);

/** A command failure; turned into an `{ok: 0}` reply by the dispatcher. */
export class MongoCommandError extends Error {
  readonly code: number;
  readonly codeName: string;
  /** Explicit labels; when undefined the dispatcher derives MongoDB's own labels from the code. */
  errorLabels?: string[];
  /** Extra reply fields, e.g. keyPattern/keyValue of a DuplicateKey error. */
  readonly extra: Record<string, unknown>;

  constructor(code: number, message: string, extra: Record<string, unknown> = {}) {
    super(message);
    this.name = 'MongoCommandError';
    this.code = code;
    this.codeName = codeNameOf(code);
    this.extra = extra;
  }
}

export function commandError(code: number, message: string, extra?: Record<string, unknown>) {
  return new MongoCommandError(code, message, extra);
}
