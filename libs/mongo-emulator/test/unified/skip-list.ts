// THE list of unified spec tests that do not run although their runOnRequirements fit a 7.0
// replica set. Each entry says why; the emulator README reviews this list. A test is never
// listed because it fails: only where the emulator deliberately refuses a feature (with an
// error naming it) that the test needs, or where the runner cannot express the test.
// Besides skips, the runner makes ONE allowance for the driver (not the server), see
// withoutDriverWtimeout in runner.ts: mongodb 7.8.0 adds `wtimeout: 10000` to the write concern
// of a first commitTransaction/abortTransaction; expectations without `wtimeout` ignore it.
export interface SkipEntry {
  folder: 'change-streams' | 'crud' | 'transactions';
  /** File name without `.json`. */
  file: string;
  /** Test descriptions; omitted = every test of the file. */
  tests?: string[];
  /** `emulator`: skipped only against the emulator (a real server runs it). */
  scope: 'emulator' | 'always';
  reason: string;
}

const ONE_MEMBER =
  'needs a secondary: the emulator is a one-member replica set, so a client whose readPreference is secondary finds no server to connect to (as against a one-member mongod replica set)';

const OUT_MERGE =
  '$out/$merge are not implemented: the emulator answers NotImplemented (238) "$out is not supported by the MongoDB emulator" (or $merge)';
const COLLATION =
  'collation is not implemented: the emulator answers NotImplemented (238) "collation (other than {locale: \'simple\'}) is not supported by the MongoDB emulator"';
const DRIVER_BYPASS =
  'driver, not server: mongodb 7.8.0 leaves bypassDocumentValidation: false out of the command, the test expects it sent';
const DRIVER_NULL_ID =
  'driver, not server: mongodb 7.8.0 replaces _id: null with a new ObjectId before sending (utils.js maybeAddIdToDocuments), the test expects null stored';

export const SKIP_LIST: SkipEntry[] = [
  ...(
    [
      ['aggregate-out', ['Aggregate with $out', 'Aggregate with $out and batch size of 0']],
      [
        'aggregate-out-readConcern',
        [
          'readConcern majority with out stage',
          'readConcern local with out stage',
          'readConcern available with out stage',
        ],
      ],
      [
        'aggregate-merge',
        [
          'Aggregate with $merge',
          'Aggregate with $merge and batch size of 0',
          'Aggregate with $merge and majority readConcern',
          'Aggregate with $merge and local readConcern',
          'Aggregate with $merge and available readConcern',
        ],
      ],
      ['aggregate-merge-errorResponse', ['aggregate $merge DuplicateKey error is accessible']],
      [
        'aggregate-write-readPreference',
        [
          'Aggregate with $out includes read preference for 5.0+ server',
          'Aggregate with $merge includes read preference for 5.0+ server',
        ],
      ],
      [
        'db-aggregate-write-readPreference',
        [
          'Database-level aggregate with $out includes read preference for 5.0+ server',
          'Database-level aggregate with $merge includes read preference for 5.0+ server',
        ],
      ],
    ] as const
  ).map(([file, tests]): SkipEntry => ({
    folder: 'crud',
    file,
    tests: [...tests],
    scope: 'emulator',
    reason: OUT_MERGE,
  })),
  {
    folder: 'crud',
    file: 'aggregate-let',
    tests: ['Aggregate to collection with let option'],
    scope: 'emulator',
    reason: OUT_MERGE,
  },
  {
    folder: 'crud',
    file: 'bypassDocumentValidation',
    tests: ['Aggregate with $out passes bypassDocumentValidation: false'],
    scope: 'emulator',
    reason: OUT_MERGE,
  },
  ...[
    'aggregate-collation',
    'bulkWrite-collation',
    'count-collation',
    'deleteMany-collation',
    'deleteOne-collation',
    'distinct-collation',
    'find-collation',
    'findOneAndDelete-collation',
    'findOneAndReplace-collation',
    'findOneAndUpdate-collation',
    'replaceOne-collation',
    'updateMany-collation',
    'updateOne-collation',
  ].map((file): SkipEntry => ({ folder: 'crud', file, scope: 'emulator', reason: COLLATION })),
  {
    folder: 'crud',
    file: 'bypassDocumentValidation',
    tests: [
      'BulkWrite passes bypassDocumentValidation: false',
      'FindOneAndReplace passes bypassDocumentValidation: false',
      'FindOneAndUpdate passes bypassDocumentValidation: false',
      'InsertMany passes bypassDocumentValidation: false',
    ],
    scope: 'always',
    reason: DRIVER_BYPASS,
  },
  {
    folder: 'crud',
    file: 'create-null-ids',
    tests: [
      'inserting _id with type null via insertOne',
      'inserting _id with type null via insertMany',
      'inserting _id with type null via bulkWrite',
    ],
    scope: 'always',
    reason: DRIVER_NULL_ID,
  },
  {
    folder: 'transactions',
    file: 'transaction-options',
    tests: ['readPreference inherited from client'],
    scope: 'emulator',
    reason: ONE_MEMBER,
  },
  {
    folder: 'transactions',
    file: 'run-command',
    tests: [
      'run command with secondary read preference in client option and primary read preference in transaction options',
    ],
    scope: 'emulator',
    reason: ONE_MEMBER,
  },
];

export function skipReasonFor(
  folder: string,
  file: string,
  test: string,
  onEmulator: boolean,
): string | undefined {
  const entry = SKIP_LIST.find(
    (candidate) =>
      candidate.folder === folder &&
      candidate.file === file &&
      (candidate.tests === undefined || candidate.tests.includes(test)) &&
      (candidate.scope === 'always' || onEmulator),
  );
  return entry?.reason;
}
