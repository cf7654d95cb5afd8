import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export interface RunningEmulator {
  uri: string;
  /** The emulator's process id (for its CPU time). */
  pid?: number;
  stop(): Promise<void>;
}

/**
 * The emulator as its own process (its CLI, on an ephemeral port), like a real server: a
 * benchmark and the server it measures each get a core, and the bench's memory is its own.
 */
export async function startEmulatorProcess(options: {
  oplogSize: number;
  /** Extra node flags for the emulator, e.g. ['--cpu-prof']. */
  nodeArgs?: string[];
  verbose?: boolean;
}): Promise<RunningEmulator> {
  const cli = join(__dirname, '..', 'src', 'cli.ts');
  const child: ChildProcess = spawn(
    process.execPath,
    [
      ...(options.nodeArgs ?? []),
      '-r',
      'ts-node/register/transpile-only',
      '-r',
      'tsconfig-paths/register',
      cli,
      '--port',
      '0',
      '--oplog-size',
      String(options.oplogSize),
      ...(options.verbose ? ['--verbose'] : []),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const [uri] = (await once(lines, 'line')) as [string];
  return {
    uri,
    pid: child.pid ?? 0,
    stop: async () => {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** CPU time (user + system) of another process of this machine, in µs; undefined elsewhere. */
export function processCpuMicros(pid: number | undefined): number | undefined {
  if (!pid) {
    return undefined;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command (which may hold spaces): utime and stime are the 12th and 13th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1e6) / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}

/** Linux's USER_HZ: /proc times are in hundredths of a second. */
const CLOCK_TICKS = 100;
