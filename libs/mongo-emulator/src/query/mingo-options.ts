import { ProcessingMode, Query } from 'mingo';
// Type-only import: with node10 resolution the 'mingo/types' subpath maps to mingo's index.
import type { Options } from 'mingo/types/types';
import { ErrorCode, MongoCommandError } from '../errors';
import type { Document } from '../storage/bson-values';

export type CollectionResolver = (name: string) => Document[];

/** Options for mingo; input documents are cloned because stored documents are shared. */
export function mingoOptions(
  resolver?: CollectionResolver,
  cloneInput = false,
  variables?: Document,
): Partial<Options> {
  return {
    ...(variables ? { variables } : {}),
    idKey: '_id',
    processingMode: cloneInput ? ProcessingMode.CLONE_INPUT : ProcessingMode.CLONE_OFF,
    useStrictMode: true,
    scriptEnabled: false,
    collectionResolver: resolver,
  };
}

/** Compiles a query filter, reporting malformed filters as MongoDB does (BadValue). */
export function compileFilter(filter: unknown, variables?: Document): Query {
  if (
    filter !== undefined &&
    filter !== null &&
    (typeof filter !== 'object' || Array.isArray(filter))
  ) {
    throw new MongoCommandError(
      ErrorCode.TypeMismatch,
      "BSON field 'filter' is the wrong type, expected type 'object'",
    );
  }
  try {
    return new Query(filter ?? {}, mingoOptions(undefined, false, variables));
  } catch (error) {
    throw asBadValue(error);
  }
}

export function asBadValue(error: unknown): MongoCommandError {
  if (error instanceof MongoCommandError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new MongoCommandError(ErrorCode.BadValue, message);
}
