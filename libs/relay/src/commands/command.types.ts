import type { SubmitOutcome } from '@app/delivery';

/** Where an owner command stands. `done`, `failed` and `cancelled` are final. */
export type CommandState = 'pending' | 'running' | 'done' | 'failed' | 'cancelled';

export const FINAL_COMMAND_STATES: readonly CommandState[] = ['done', 'failed', 'cancelled'];

/**
 * A request to whoever owns a subscription to act on it inside its worker (inspect its engine;
 * replay dead letters, resync, rewind in the issues that build on it), and its outcome.
 */
export interface OwnerCommand {
  id: string;
  subscription: string;
  type: string;
  args: Record<string, unknown>;
  state: CommandState;
  createdAt: Date;
  updatedAt: Date;
  /** The instance and lease token that ran (or runs) it. */
  owner?: string;
  leaseToken?: number;
  startedAt?: Date;
  finishedAt?: Date;
  /** What a running command reports as it goes (e.g. counts of a replay). */
  progress?: Record<string, unknown>;
  result?: Record<string, unknown>;
  error?: { message: string; code?: string };
}

/** What a command handler gets from the worker that runs it. */
export interface OwnerCommandContext {
  /** The command's id (e.g. what a replay job claims entries by). */
  commandId: string;
  subscription: string;
  owner: string;
  leaseToken: number;
  /** Live figures of the worker's delivery engine (undefined between two stream runs). */
  engineStats(): Record<string, unknown> | undefined;
  /**
   * Delivers an event through the worker's running engine, in its key's lane (a dead-letter
   * replay); waits for the engine between two stream runs. `cancelled` when the worker stops.
   */
  submit(key: string, payload: Record<string, unknown>, id: string): Promise<SubmitOutcome>;
  /** Records progress; false when the command was cancelled (stop then). */
  progress(progress: Record<string, unknown>): Promise<boolean>;
  /** Aborted when the worker stops: finish or give up promptly. */
  signal: AbortSignal;
}

/** Runs one command type in the owner's worker; resolves to the result, throws to fail it. */
export type OwnerCommandHandler = (
  context: OwnerCommandContext,
  args: Record<string, unknown>,
) => Promise<Record<string, unknown>>;
