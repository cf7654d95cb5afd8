import { ErrorCode, MongoCommandError } from '../errors';
import { findDocuments, matchingDocuments, shapeResults } from '../query/document-query';
import { applyUpdate, isOperatorUpdate, UpdateSpec } from '../query/update-engine';
import { buildUpsertDocument } from '../query/upsert-document';
import { Document, isPlainObject, isTruthyFlag, toNumber } from '../storage/bson-values';
import type { CollectionView } from '../storage/collection-view';
import type { CommandContext, CommandTable } from './command-context';
import {
  assertKnownFields,
  assertHintExists,
  assertSimpleCollation,
  letVariables,
  writeTarget,
} from './command-options';

/** Fields of an update statement in MongoDB 7.0 (`sort` arrived in 8.0). */
const UPDATE_STATEMENT_FIELDS = new Set([
  'q',
  'u',
  'upsert',
  'multi',
  'arrayFilters',
  'hint',
  'collation',
  'c',
  'upsertSupplied',
]);
const DELETE_STATEMENT_FIELDS = new Set(['q', 'limit', 'hint', 'collation']);

interface WriteError {
  index: number;
  code: number;
  errmsg: string;
  [extra: string]: unknown;
}

function toWriteError(index: number, error: unknown): WriteError {
  if (!(error instanceof MongoCommandError)) throw error;
  return { index, code: error.code, errmsg: error.message, ...error.extra };
}

function assertInsertable(doc: unknown): asserts doc is Document {
  if (!isPlainObject(doc)) {
    throw new MongoCommandError(ErrorCode.TypeMismatch, 'documents to insert must be objects');
  }
  if (Array.isArray(doc._id)) {
    throw new MongoCommandError(ErrorCode.BadValue, "can't use an array for _id");
  }
  if (doc._id instanceof RegExp) {
    throw new MongoCommandError(ErrorCode.BadValue, "can't use a regex for _id");
  }
  // Since MongoDB 5.0 top-level field names may start with '$'; an _id's may not.
  if (isPlainObject(doc._id)) {
    for (const key of Object.keys(doc._id)) {
      if (key.startsWith('$')) {
        throw new MongoCommandError(
          ErrorCode.DollarPrefixedFieldName,
          `_id fields may not contain '$'-prefixed fields: ${key} is not valid for storage.`,
        );
      }
    }
  }
}

/** Runs the statements of a write command, stopping at the first error when ordered. */
function runStatements<T>(
  ctx: CommandContext,
  statements: T[],
  run: (statement: T, index: number) => void,
): WriteError[] {
  const ordered = ctx.command.ordered !== false;
  const errors: WriteError[] = [];
  statements.forEach((statement, index) => {
    if (ordered && errors.length > 0) return;
    try {
      run(statement, index);
    } catch (error) {
      // In a transaction a write conflict fails the whole command (and the transaction) with
      // TransientTransactionError, as in mongod; other statement errors are write errors.
      if (ctx.txn && error instanceof MongoCommandError && error.code === ErrorCode.WriteConflict)
        throw error;
      errors.push(toWriteError(index, error));
    }
  });
  if (errors.length > 0 && ctx.session && ctx.txn) {
    // A failed statement aborts the whole transaction, as in mongod.
    ctx.session.txnState = 'aborted';
  }
  return errors;
}

function withWriteErrors(reply: Document, errors: WriteError[]): Document {
  if (errors.length > 0) reply.writeErrors = errors;
  return reply;
}

interface UpdateStatement {
  q?: Document;
  u: UpdateSpec;
  upsert?: unknown;
  multi?: unknown;
  arrayFilters?: Document[];
  collation?: unknown;
  c?: Document;
}

interface UpdateResult {
  matched: number;
  modified: number;
  upsertedId?: unknown;
}

function executeUpdate(
  view: CollectionView,
  statement: UpdateStatement,
  commandVariables: Document | undefined,
): UpdateResult {
  assertHintExists(view.state(), (statement as unknown as Document).hint);
  // `c`: the statement's own constants, beside the command's `let`.
  const variables =
    statement.c !== undefined ? { ...commandVariables, ...statement.c } : commandVariables;
  const query = statement.q ?? {};
  const multi = isTruthyFlag(statement.multi);
  if (statement.u === undefined || statement.u === null || typeof statement.u !== 'object') {
    throw new MongoCommandError(
      ErrorCode.FailedToParse,
      "BSON field 'update.updates.u' is missing but a required field",
    );
  }
  if (multi && !Array.isArray(statement.u) && !isOperatorUpdate(statement.u)) {
    throw new MongoCommandError(
      ErrorCode.InvalidOptions,
      'multi update is not supported for replacement-style update',
    );
  }
  const matched = matchingDocuments(view, query, multi ? 0 : 1, variables);
  if (matched.length === 0) {
    if (!isTruthyFlag(statement.upsert)) return { matched: 0, modified: 0 };
    const { doc } = buildUpsertDocument(query, statement.u, statement.arrayFilters, variables);
    const inserted = view.insert(doc);
    return { matched: 0, modified: 0, upsertedId: inserted._id };
  }
  let modified = 0;
  for (const doc of matched) {
    const outcome = applyUpdate(doc, statement.u, {
      arrayFilters: statement.arrayFilters,
      query,
      variables,
    });
    if (!outcome.changed) continue;
    view.write(doc, outcome.doc, outcome.kind, outcome.description);
    modified += 1;
  }
  return { matched: matched.length, modified };
}

export const writeCommands: CommandTable = {
  insert: (ctx) => {
    const docs = (ctx.command.documents as unknown[] | undefined) ?? [];
    const view = writeTarget(ctx);
    let n = 0;
    const errors = runStatements(ctx, docs, (doc) => {
      assertInsertable(doc);
      view.insert(doc);
      n += 1;
    });
    return withWriteErrors({ n }, errors);
  },

  update: (ctx) => {
    const statements = (ctx.command.updates as UpdateStatement[] | undefined) ?? [];
    const view = writeTarget(ctx);
    const variables = letVariables(ctx.command);
    // Parsing fails the whole command (ok: 0), before any statement runs.
    for (const statement of statements) {
      assertKnownFields(
        statement as unknown as Document,
        UPDATE_STATEMENT_FIELDS,
        'update.updates',
      );
      assertSimpleCollation(statement.collation);
    }
    let n = 0;
    let nModified = 0;
    const upserted: Document[] = [];
    const errors = runStatements(ctx, statements, (statement, index) => {
      const result = executeUpdate(view, statement, variables);
      if (result.upsertedId !== undefined) {
        upserted.push({ index, _id: result.upsertedId });
        n += 1;
      } else {
        n += result.matched;
        nModified += result.modified;
      }
    });
    const reply: Document = { n, nModified };
    if (upserted.length > 0) reply.upserted = upserted;
    return withWriteErrors(reply, errors);
  },

  delete: (ctx) => {
    const statements =
      (ctx.command.deletes as { q?: Document; limit?: unknown }[] | undefined) ?? [];
    const view = writeTarget(ctx);
    const variables = letVariables(ctx.command);
    for (const statement of statements) {
      assertKnownFields(statement, DELETE_STATEMENT_FIELDS, 'delete.deletes');
      assertSimpleCollation((statement as Document).collation);
    }
    let n = 0;
    const errors = runStatements(ctx, statements, (statement) => {
      assertHintExists(view.state(), (statement as Document).hint);
      const limit = toNumber(statement.limit, 0);
      const query = statement.q ?? {};
      for (const doc of matchingDocuments(view, query, limit === 1 ? 1 : 0, variables)) {
        view.remove(doc);
        n += 1;
      }
    });
    return withWriteErrors({ n }, errors);
  },

  findandmodify: (ctx) => {
    const { command } = ctx;
    const view = writeTarget(ctx);
    const query = (command.query as Document | undefined) ?? {};
    assertSimpleCollation(command.collation);
    assertHintExists(view.state(), command.hint);
    const variables = letVariables(command);
    const remove = isTruthyFlag(command.remove);
    const update = command.update as UpdateSpec | undefined;
    if (remove && update !== undefined) {
      throw new MongoCommandError(
        ErrorCode.FailedToParse,
        'Cannot specify both an update and remove=true',
      );
    }
    if (!remove && update === undefined) {
      throw new MongoCommandError(
        ErrorCode.FailedToParse,
        'Either an update or remove=true must be specified',
      );
    }
    const projection = command.fields as Document | undefined;
    const project = (doc: Document | null): Document | null =>
      doc && projection ? (shapeResults([doc], { projection })[0] ?? null) : doc;
    const [found] = findDocuments(view, query, {
      sort: command.sort as Document | undefined,
      limit: 1,
      variables,
    });
    if (remove) {
      if (found) view.remove(found);
      return { lastErrorObject: { n: found ? 1 : 0 }, value: project(found ?? null) };
    }
    const returnNew = isTruthyFlag(command.new);
    const arrayFilters = command.arrayFilters as Document[] | undefined;
    if (found) {
      const outcome = applyUpdate(found, update as UpdateSpec, { arrayFilters, query, variables });
      if (outcome.changed) view.write(found, outcome.doc, outcome.kind, outcome.description);
      return {
        lastErrorObject: { n: 1, updatedExisting: true },
        value: project(returnNew ? outcome.doc : found),
      };
    }
    if (!isTruthyFlag(command.upsert)) {
      return { lastErrorObject: { n: 0, updatedExisting: false }, value: null };
    }
    const { doc } = buildUpsertDocument(query, update as UpdateSpec, arrayFilters, variables);
    const inserted = view.insert(doc);
    return {
      lastErrorObject: { n: 1, updatedExisting: false, upserted: inserted._id },
      value: project(returnNew ? inserted : null),
    };
  },
};
