import { Injectable } from '@nestjs/common';
import type { OwnerCommandHandler } from './command.types';

/** The built-in command: the live figures of the owner's delivery engine. */
export const INSPECT_COMMAND = 'inspect';

/**
 * Command types an owner knows how to run. Features register theirs at startup (dead-letter
 * replay, resync, rewind); an unknown type fails the command with a clear error.
 */
@Injectable()
export class OwnerCommandRegistry {
  private readonly handlers = new Map<string, OwnerCommandHandler>([
    [
      INSPECT_COMMAND,
      async (context) => ({
        owner: context.owner,
        leaseToken: context.leaseToken,
        engine: context.engineStats() ?? null,
      }),
    ],
  ]);

  register(type: string, handler: OwnerCommandHandler): void {
    if (this.handlers.has(type)) {
      throw new Error(`An owner command named "${type}" is already registered`);
    }
    this.handlers.set(type, handler);
  }

  get(type: string): OwnerCommandHandler | undefined {
    return this.handlers.get(type);
  }
}
