import { Injectable } from '@nestjs/common';
import { CommandsRepository } from './commands.repository';
import { FINAL_COMMAND_STATES, type OwnerCommand } from './command.types';

/**
 * How the API asks a subscription's owner to act: enqueue a command, then read or await its
 * outcome. Nothing outside the owner touches leases or checkpoints.
 */
@Injectable()
export class OwnerCommandsClient {
  constructor(private readonly commands: CommandsRepository) {}

  send(
    subscription: string,
    type: string,
    args: Record<string, unknown> = {},
  ): Promise<OwnerCommand> {
    return this.commands.enqueue(subscription, type, args);
  }

  find(id: string): Promise<OwnerCommand | null> {
    return this.commands.find(id);
  }

  cancel(id: string): Promise<boolean> {
    return this.commands.cancel(id);
  }

  /**
   * The command once it is final, or as it stands when `timeoutMs` ran out (the caller decides
   * what a timeout means). Polls: a command finishes in milliseconds when its owner is running.
   */
  async awaitOutcome(id: string, timeoutMs: number, intervalMs = 25): Promise<OwnerCommand | null> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const command = await this.commands.find(id);
      if (!command || FINAL_COMMAND_STATES.includes(command.state) || Date.now() >= deadline) {
        return command;
      }
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  }
}
