// A runner for MongoDB's unified test format (specifications/source/unified-test-format), for
// the vendored change-streams, crud and transactions folders: one jest test per spec test, run
// against the emulator, or against the replica set of MONGODB_URI when it is set.
import { EJSON } from 'bson';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ClientSession,
  MongoBulkWriteError,
  MongoClient,
  MongoServerError,
  type Document,
} from 'mongodb';
import { ConformanceBackend, EXTERNAL_URI } from '../support/conformance-backend';
import { ClientEntity, collectionLikeOptions, EntityMap, type ObservedEvent } from './entities';
import { isDocument, Matcher } from './match';
import { executeOperation, type Operation, type RunnerHooks } from './operations';
import { detectTarget, requirementsFit, type Requirement } from './requirements';
import { skipReasonFor } from './skip-list';

export type SpecFolder = 'change-streams' | 'crud' | 'transactions';

interface InitialData {
  collectionName: string;
  databaseName: string;
  documents: Document[];
  createOptions?: Document;
}

interface ExpectedEvents {
  client: string;
  eventType?: 'command' | 'cmap' | 'sdam';
  events: Document[];
  ignoreExtraEvents?: boolean;
}

interface UnifiedTest {
  description: string;
  runOnRequirements?: Requirement[];
  skipReason?: string;
  operations: Operation[];
  expectEvents?: ExpectedEvents[];
  outcome?: InitialData[];
}

interface UnifiedFile {
  description: string;
  schemaVersion: string;
  runOnRequirements?: Requirement[];
  createEntities?: Document[];
  initialData?: InitialData[];
  tests: UnifiedTest[];
}

const SPEC_ROOT = join(__dirname, '..', 'spec');
const TEST_TIMEOUT_MS = 15_000;
/** Operations whose result is an iterable of root-level documents. */
const ITERABLE_OPERATIONS = new Set([
  'find',
  'aggregate',
  'listCollections',
  'listDatabases',
  'listIndexes',
]);

export function loadFolder(folder: SpecFolder): [string, UnifiedFile][] {
  const dir = join(SPEC_ROOT, folder);
  return readdirSync(dir)
    .filter((name) => name.endsWith('.json'))
    .sort()
    .map((name) => [
      name.replace(/\.json$/, ''),
      EJSON.parse(readFileSync(join(dir, name), 'utf8'), { relaxed: true }) as UnifiedFile,
    ]);
}

interface Counts {
  passed: number;
  failed: number;
  skipped: Map<string, number>;
  notApplicable: number;
}

function uriParams(uriOptions: Document | undefined): Record<string, string> {
  const params: Record<string, string> = {};
  for (const [key, value] of Object.entries(uriOptions ?? {})) {
    params[key] = isDocument(value) ? JSON.stringify(value) : String(value);
  }
  return params;
}

/** One spec test's run: its entities, the fail points it set, and its assertions. */
class TestRun implements RunnerHooks {
  readonly entities = new EntityMap();
  private readonly matcher = new Matcher(this.entities);
  private readonly failPoints: [MongoClient, string][] = [];

  constructor(
    private readonly backend: ConformanceBackend,
    readonly internalClient: MongoClient,
  ) {}

  async createEntities(definitions: Document[]): Promise<void> {
    for (const definition of definitions) {
      const [kind, spec] = Object.entries(definition)[0] as [string, Document];
      const id = String(spec.id);
      switch (kind) {
        case 'client': {
          const uri = this.backend.uriWith({ params: uriParams(spec.uriOptions as Document) });
          const client = this.backend.createClient(
            {
              monitorCommands: true,
              ...(spec.serverApi ? { serverApi: spec.serverApi as Document } : {}),
            } as Document,
            uri,
          );
          const entity = new ClientEntity(
            client,
            (spec.observeEvents ?? []) as string[],
            (spec.ignoreCommandMonitoringEvents ?? []) as string[],
            spec.observeSensitiveCommands === true,
          );
          await client.connect();
          this.entities.set(id, entity);
          break;
        }
        case 'database': {
          const client = this.entities.client(String(spec.client)).client;
          this.entities.set(
            id,
            client.db(
              String(spec.databaseName),
              collectionLikeOptions(spec.databaseOptions as Document),
            ),
          );
          break;
        }
        case 'collection': {
          const db = this.entities.database(String(spec.database));
          this.entities.set(
            id,
            db.collection(
              String(spec.collectionName),
              collectionLikeOptions(spec.collectionOptions as Document),
            ),
          );
          break;
        }
        case 'session': {
          const client = this.entities.client(String(spec.client)).client;
          const options = { ...((spec.sessionOptions ?? {}) as Document) };
          if (options.defaultTransactionOptions) {
            options.defaultTransactionOptions = collectionLikeOptions(
              options.defaultTransactionOptions as Document,
            );
          }
          this.entities.setSession(id, client.startSession(options));
          break;
        }
        default:
          throw new Error(`unsupported entity type '${kind}'`);
      }
    }
  }

  async failPoint(client: MongoClient, failPoint: Document): Promise<void> {
    await client.db('admin').command(failPoint);
    this.failPoints.push([client, String(failPoint.configureFailPoint)]);
  }

  async runOperations(operations: Operation[]): Promise<void> {
    for (const operation of operations) await this.runOperation(operation);
  }

  private async runOperation(op: Operation): Promise<void> {
    let result: unknown;
    let error: unknown;
    let failed = false;
    try {
      result = await executeOperation(op, this);
    } catch (caught) {
      failed = true;
      error = caught;
    }
    const where = `operation ${op.name} on ${op.object}`;
    if (op.ignoreResultAndError) return;
    if (op.expectError) {
      if (!failed) throw new Error(`${where}: expected an error, got ${EJSON.stringify(result)}`);
      this.checkError(op.expectError, error, where);
      return;
    }
    if (failed) throw error;
    if (op.expectResult !== undefined) {
      try {
        if (Array.isArray(op.expectResult) && ITERABLE_OPERATIONS.has(op.name)) {
          const actual = result as unknown[];
          if (!Array.isArray(actual) || actual.length !== op.expectResult.length) {
            throw new Error(
              `expected ${op.expectResult.length} documents, got ${EJSON.stringify(actual)}`,
            );
          }
          op.expectResult.forEach((expected, i) =>
            this.matcher.match(expected, actual[i], true, `[${i}]`),
          );
        } else {
          this.matcher.match(op.expectResult, result, true);
        }
      } catch (mismatch) {
        throw new Error(`${where}: result mismatch: ${(mismatch as Error).message}`);
      }
    }
    if (op.saveResultAsEntity) this.entities.set(op.saveResultAsEntity, result);
  }

  private checkError(expected: Document, error: unknown, where: string): void {
    const failure = error as Error & {
      code?: number;
      codeName?: string;
      errorResponse?: Document;
      hasErrorLabel?: (label: string) => boolean;
      errorLabels?: string[];
    };
    const problems: string[] = [];
    const describeError = () =>
      `${failure.name}: ${failure.message} (code ${String(failure.code)}, labels ${JSON.stringify(failure.errorLabels ?? [])})`;
    if (expected.isClientError === true && error instanceof MongoServerError) {
      problems.push('expected a client error');
    }
    if (expected.isClientError === false && !(error instanceof MongoServerError)) {
      problems.push('expected a server error');
    }
    if (
      expected.errorContains !== undefined &&
      !failure.message.toLowerCase().includes(String(expected.errorContains).toLowerCase())
    ) {
      problems.push(`message should contain '${String(expected.errorContains)}'`);
    }
    if (expected.errorCode !== undefined && failure.code !== expected.errorCode) {
      problems.push(`code should be ${String(expected.errorCode)}`);
    }
    if (expected.errorCodeName !== undefined && failure.codeName !== expected.errorCodeName) {
      problems.push(
        `codeName should be ${String(expected.errorCodeName)} (is ${String(failure.codeName)})`,
      );
    }
    const hasLabel = (label: string) => failure.hasErrorLabel?.(label) ?? false;
    for (const label of (expected.errorLabelsContain ?? []) as string[]) {
      if (!hasLabel(label)) problems.push(`labels should contain ${label}`);
    }
    for (const label of (expected.errorLabelsOmit ?? []) as string[]) {
      if (hasLabel(label)) problems.push(`labels should omit ${label}`);
    }
    if (expected.errorResponse !== undefined) {
      try {
        this.matcher.match(expected.errorResponse, failure.errorResponse, true);
      } catch (mismatch) {
        problems.push(`errorResponse: ${(mismatch as Error).message}`);
      }
    }
    if (expected.expectResult !== undefined) {
      const partial = error instanceof MongoBulkWriteError ? bulkResultOf(error) : undefined;
      try {
        this.matcher.match(expected.expectResult, partial, true);
      } catch (mismatch) {
        problems.push(`partial result: ${(mismatch as Error).message}`);
      }
    }
    if (expected.writeErrors !== undefined || expected.writeConcernErrors !== undefined) {
      problems.push(
        'writeErrors/writeConcernErrors expectations (client bulkWrite) are not supported',
      );
    }
    if (problems.length > 0)
      throw new Error(`${where}: ${problems.join('; ')}; got ${describeError()}`);
  }

  checkEvents(expectations: ExpectedEvents[]): void {
    for (const expectation of expectations) {
      const kind = expectation.eventType ?? 'command';
      if (kind === 'sdam') throw new Error('sdam event expectations are not supported');
      const observed = this.entities
        .client(expectation.client)
        .events.filter((e) => e.kind === kind);
      const expected = expectation.events;
      const actual = expectation.ignoreExtraEvents ? observed.slice(0, expected.length) : observed;
      const summary = () => observed.map((e) => e.commandName ?? e.type).join(', ');
      if (actual.length !== expected.length) {
        throw new Error(
          `client ${expectation.client}: expected ${expected.length} ${kind} events, got ${observed.length}: ${summary()}`,
        );
      }
      expected.forEach((event, index) => {
        try {
          this.matchEvent(event, actual[index]);
        } catch (mismatch) {
          throw new Error(
            `client ${expectation.client} event ${index}: ${(mismatch as Error).message}; events: ${summary()}`,
          );
        }
      });
    }
  }

  private matchEvent(expected: Document, actual: ObservedEvent): void {
    const [type, body] = Object.entries(expected)[0] as [string, Document];
    if (type !== actual.type)
      throw new Error(`expected ${type}, got ${actual.type} (${actual.commandName ?? ''})`);
    if (body.commandName !== undefined && body.commandName !== actual.commandName) {
      throw new Error(
        `expected command ${String(body.commandName)}, got ${String(actual.commandName)}`,
      );
    }
    if (body.databaseName !== undefined && body.databaseName !== actual.databaseName) {
      throw new Error(
        `expected database ${String(body.databaseName)}, got ${String(actual.databaseName)}`,
      );
    }
    if (body.command !== undefined) {
      const command = withoutDriverWtimeout(body.command as Document, actual);
      this.matcher.match(body.command, command, true, 'command');
    }
    if (body.reply !== undefined) this.matcher.match(body.reply, actual.reply, true, 'reply');
  }

  async checkOutcome(outcome: InitialData[]): Promise<void> {
    for (const expected of outcome) {
      const documents = await this.internalClient
        .db(expected.databaseName)
        .collection(expected.collectionName)
        .find({}, { sort: { _id: 1 }, readConcern: { level: 'local' }, readPreference: 'primary' })
        .toArray();
      try {
        this.matcher.match(expected.documents, documents, false);
      } catch (mismatch) {
        throw new Error(
          `outcome of ${expected.databaseName}.${expected.collectionName}: ${(mismatch as Error).message}`,
        );
      }
    }
  }

  async close(): Promise<void> {
    for (const entity of this.entities.all()) {
      if (entity instanceof ClientSession) await entity.endSession().catch(() => undefined);
      if (
        entity &&
        typeof entity === 'object' &&
        'close' in entity &&
        !(entity instanceof ClientEntity)
      ) {
        const closable = entity as { close(): Promise<void> };
        await closable.close().catch(() => undefined);
      }
    }
    for (const [client, name] of this.failPoints) {
      await this.internalClient
        .db('admin')
        .command({ configureFailPoint: name, mode: 'off' })
        .catch(() => client);
    }
    await Promise.allSettled(this.entities.clients().map((entity) => entity.client.close(true)));
  }
}

/**
 * DRIVER ALLOWANCE (listed with the skip list in skip-list.ts): mongodb 7.8.0 sends
 * `wtimeout: 10000` with the write concern of every commitTransaction/abortTransaction that has
 * one (sessions.js spreads `{wtimeoutMS: 10000, w: 'majority', ...wc}` on the first attempt too);
 * the spec expects it only on a retried commit. The server is not involved, so the runner
 * ignores that one field when the test does not mention it.
 */
function withoutDriverWtimeout(expected: Document, actual: ObservedEvent): Document | undefined {
  const command = actual.command;
  const name = actual.commandName;
  if (!command || (name !== 'commitTransaction' && name !== 'abortTransaction')) return command;
  const expectedWc = expected.writeConcern as unknown;
  const actualWc = command.writeConcern as Document | undefined;
  if (
    !isDocument(expectedWc) ||
    !actualWc ||
    'wtimeout' in expectedWc ||
    actualWc.wtimeout !== 10000
  ) {
    return command;
  }
  const { wtimeout: _driverDefault, ...writeConcern } = actualWc;
  return { ...command, writeConcern };
}

function bulkResultOf(error: MongoBulkWriteError): Document {
  const result = error.result;
  return {
    deletedCount: result.deletedCount,
    insertedCount: result.insertedCount,
    insertedIds: result.insertedIds,
    matchedCount: result.matchedCount,
    modifiedCount: result.modifiedCount,
    upsertedCount: result.upsertedCount,
    upsertedIds: result.upsertedIds,
  };
}

async function loadInitialData(client: MongoClient, data: InitialData[]): Promise<void> {
  for (const entry of data) {
    const db = client.db(entry.databaseName);
    await db
      .collection(entry.collectionName)
      .drop({ writeConcern: { w: 'majority' } })
      .catch(() => undefined);
    if (entry.createOptions || entry.documents.length === 0) {
      await db.createCollection(entry.collectionName, {
        ...(entry.createOptions ?? {}),
        writeConcern: { w: 'majority' },
      });
    }
    if (entry.documents.length > 0) {
      await db
        .collection(entry.collectionName)
        .insertMany(entry.documents, { writeConcern: { w: 'majority' } });
    }
  }
}

// Chosen by value, as in support/emulator-only.ts, so the check against committed
// `it.skip` still holds for the specs themselves.
const runTest: jest.It = it;
const skippedTest: jest.It = it.skip;

/** Registers one jest test per spec test of the folder and prints the folder's counts. */
export function describeUnifiedFolder(folder: SpecFolder): void {
  const target = detectTarget();
  const onEmulator = !EXTERNAL_URI;
  const backend = new ConformanceBackend(`spec_${folder.replace(/-/g, '_')}`);
  const counts: Counts = { passed: 0, failed: 0, skipped: new Map(), notApplicable: 0 };
  let internalClient: MongoClient;

  beforeAll(async () => {
    await backend.start();
    internalClient = backend.client;
  }, 60_000);

  afterAll(async () => {
    await backend.stop();
    const skipped = [...counts.skipped.values()].reduce((a, b) => a + b, 0);
    const lines = [
      `unified spec tests, ${folder} (${onEmulator ? 'emulator' : 'MONGODB_URI'} as ${target.version} ${target.topology}): ` +
        `${counts.passed} passed, ${counts.failed} failed, ${skipped} skipped with a reason, ` +
        `${counts.notApplicable} not applicable (runOnRequirements)`,
      ...[...counts.skipped].map(([reason, n]) => `  skipped ${n}: ${reason}`),
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  }, 60_000);

  for (const [fileName, file] of loadFolder(folder)) {
    describe(fileName, () => {
      const fileFits = requirementsFit(file.runOnRequirements, target);
      for (const test of file.tests) {
        if (!fileFits || !requirementsFit(test.runOnRequirements, target)) {
          counts.notApplicable += 1;
          continue;
        }
        const reason = test.skipReason
          ? `the spec file itself: ${test.skipReason}`
          : skipReasonFor(folder, fileName, test.description, onEmulator);
        if (reason) {
          counts.skipped.set(reason, (counts.skipped.get(reason) ?? 0) + 1);
          skippedTest(`${test.description} [skipped: ${reason}]`, () => undefined);
          continue;
        }
        runTest(
          test.description,
          async () => {
            const run = new TestRun(backend, internalClient);
            let passed = false;
            try {
              await internalClient
                .db('admin')
                .command({ killAllSessions: [] })
                .catch(() => undefined);
              if (file.initialData) await loadInitialData(internalClient, file.initialData);
              await run.createEntities(file.createEntities ?? []);
              await run.runOperations(test.operations);
              if (test.expectEvents) run.checkEvents(test.expectEvents);
              if (test.outcome) await run.checkOutcome(test.outcome);
              await run.close();
              passed = true;
            } finally {
              if (passed) counts.passed += 1;
              else {
                counts.failed += 1;
                await run.close().catch(() => undefined);
              }
            }
          },
          TEST_TIMEOUT_MS,
        );
      }
    });
  }
}
