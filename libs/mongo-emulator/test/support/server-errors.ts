// Assertions on MongoDB's error reply shape: {ok: 0, errmsg, code, codeName[, errorLabels]}.
// The driver keeps the server's raw reply on MongoServerError.errorResponse.
import { MongoServerError } from 'mongodb';
import { rejectionOf } from './wait';

const COMMAND_TIMEOUT_MS = 10_000;

/** The MongoServerError `operation` rejects with (fails the test if it succeeds or fails otherwise). */
export async function serverError(
  operation: Promise<unknown>,
  description = 'the command',
): Promise<MongoServerError> {
  const error = await rejectionOf(operation, COMMAND_TIMEOUT_MS, description);
  if (!(error instanceof MongoServerError)) {
    throw new Error(
      `Expected ${description} to fail with a MongoServerError, got: ${String(error)}`,
    );
  }
  return error;
}

export interface ExpectedErrorReply {
  code: number;
  codeName: string;
  /** Exact error labels; omit to leave labels unchecked. */
  errorLabels?: string[];
  /** The errmsg, or an asymmetric matcher such as expect.stringContaining(...). */
  errmsg?: unknown;
}

/** Asserts the raw reply of a failed command, as MongoDB documents it. */
export function expectErrorReply(error: MongoServerError, expected: ExpectedErrorReply): void {
  const reply = error.errorResponse;
  expect(reply).toMatchObject({
    ok: 0,
    errmsg: expected.errmsg ?? expect.any(String),
    code: expected.code,
    codeName: expected.codeName,
  });
  expect(String(reply.errmsg).length).toBeGreaterThan(0);
  expect(error.code).toBe(expected.code);
  expect(error.codeName).toBe(expected.codeName);
  if (expected.errorLabels) {
    expect(reply.errorLabels ?? []).toEqual(expected.errorLabels);
    for (const label of expected.errorLabels) {
      expect(error.hasErrorLabel(label)).toBe(true);
    }
  }
}
