import { Aggregator, Query } from 'mingo';
import { ErrorCode, MongoCommandError } from '../errors';
import { asBadValue, mingoOptions } from '../query/mingo-options';
import type { UpdateDescription } from '../oplog/oplog';
import { Document, isPlainObject, isTruthyFlag } from '../storage/bson-values';
import type { CollectionState } from '../storage/collection-state';
import type { CollectionView } from '../storage/collection-view';
import type { CommandContext } from './command-context';

/**
 * Options the emulator does not implement are refused with an error that names them, the way
 * mongod refuses an option it does not know: never ignored, so a result can never silently
 * differ from mongod's.
 */
export function notSupported(feature: string): MongoCommandError {
  return new MongoCommandError(
    ErrorCode.NotImplemented,
    `${feature} is not supported by the MongoDB emulator`,
  );
}

/** Only the simple (binary) collation, which is what no collation means, is accepted. */
export function assertSimpleCollation(collation: unknown): void {
  if (collation === undefined) return;
  if (
    isPlainObject(collation) &&
    Object.keys(collation).length === 1 &&
    collation.locale === 'simple'
  ) {
    return;
  }
  throw notSupported("collation (other than {locale: 'simple'})");
}

/**
 * mongod fails a hint that names no index of an existing collection (a missing collection has
 * no plan to hint, and no error).
 */
export function assertHintExists(coll: CollectionState | undefined, hint: unknown): void {
  if (hint === undefined || hint === null || !coll) return;
  if (isPlainObject(hint) && Object.keys(hint).length === 1 && '$natural' in hint) return;
  if ((typeof hint === 'string' || isPlainObject(hint)) && coll.findIndex(hint)) return;
  throw new MongoCommandError(
    ErrorCode.BadValue,
    'hint provided does not correspond to an existing index',
  );
}

/**
 * Reads at a chosen point in time (snapshot reads outside a transaction, atClusterTime) would
 * silently read the latest data here: refused. Inside a transaction the snapshot is modelled.
 */
export function assertSupportedReadConcern(readConcern: unknown, inTransaction: boolean): void {
  if (!isPlainObject(readConcern)) return;
  if (readConcern.atClusterTime !== undefined) throw notSupported('readConcern atClusterTime');
  if (readConcern.level === 'snapshot' && !inTransaction) {
    throw notSupported("readConcern level 'snapshot' outside a transaction");
  }
}

/** Fields mongod 7.0 rejects as unknown in a command's sub-documents (e.g. updates.sort). */
export function assertKnownFields(doc: Document, allowed: ReadonlySet<string>, path: string): void {
  for (const key of Object.keys(doc)) {
    if (!allowed.has(key)) {
      throw new MongoCommandError(
        ErrorCode.Location40415,
        `BSON field '${path}.${key}' is an unknown field.`,
      );
    }
  }
}

/**
 * The command's `let` variables ($$name in $expr, pipelines and update pipelines). Their
 * values are expressions, evaluated once for the command as mongod does.
 */
export function letVariables(command: Document): Document | undefined {
  const raw = command.let;
  if (raw === undefined) return undefined;
  if (!isPlainObject(raw)) {
    throw new MongoCommandError(
      ErrorCode.TypeMismatch,
      "BSON field 'let' is the wrong type, expected type 'object'",
    );
  }
  try {
    return new Aggregator([{ $replaceWith: raw }], mingoOptions()).run<Document>([{}])[0];
  } catch (error) {
    throw asBadValue(error);
  }
}

/**
 * Enforces a collection's `validator` (query operators; `$jsonSchema` is refused when the
 * validator is set) on inserts and updates, unless the command bypasses validation.
 */
/** The target of a write command; a view fails the whole command, as on mongod. */
export function writeTarget(ctx: CommandContext): CollectionView {
  if (ctx.server.engine.catalog.get(ctx.db, ctx.target)?.isView) {
    throw new MongoCommandError(
      ErrorCode.CommandNotSupportedOnView,
      `Namespace ${ctx.db}.${ctx.target} is a view, not a collection`,
    );
  }
  return validatingView(ctx, ctx.view(ctx.target));
}

export function validatingView(ctx: CommandContext, view: CollectionView): CollectionView {
  if (isTruthyFlag(ctx.command.bypassDocumentValidation)) return view;
  const options = view.state()?.options;
  const validator = options?.validator as Document | undefined;
  if (!validator || Object.keys(validator).length === 0) return view;
  if (options?.validationLevel === 'off') return view;
  const query = new Query(validator, mingoOptions());
  const warnOnly = options?.validationAction === 'warn';
  const moderate = options?.validationLevel === 'moderate';
  const check = (doc: Document, before?: Document) => {
    if (warnOnly || query.test(doc)) return;
    // validationLevel moderate: updates to documents that were already invalid are allowed.
    if (moderate && before && !query.test(before)) return;
    throw new MongoCommandError(ErrorCode.DocumentValidationFailure, 'Document failed validation', {
      errInfo: {
        failingDocumentId: doc._id,
        // mongod explains which clause failed; the emulator only says that the validator did.
        details: { operatorName: '$and', specifiedAs: validator, reason: 'no match' },
      },
    });
  };
  return {
    db: view.db,
    name: view.name,
    state: () => view.state(),
    get: (id) => view.get(id),
    documents: () => view.documents(),
    insert: (doc) => {
      check(doc);
      return view.insert(doc);
    },
    write: (before: Document, after: Document, kind, description?: UpdateDescription) => {
      check(after, before);
      view.write(before, after, kind, description);
    },
    remove: (doc) => view.remove(doc),
  };
}
