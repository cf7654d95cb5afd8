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

export const SKIP_LIST: SkipEntry[] = [
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
