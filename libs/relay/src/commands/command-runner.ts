import type { Logger } from '@nestjs/common';
import { InterruptibleSleep } from '../worker/interruptible-sleep';
import type { CommandsRepository } from './commands.repository';
import type { OwnerCommand, OwnerCommandContext } from './command.types';
import type { OwnerCommandRegistry } from './owner-command.registry';
import { errorMessage } from '../errors/error-message';

export interface CommandRunnerDeps {
  subscription: string;
  owner: string;
  leaseToken: number;
  commands: CommandsRepository;
  registry: OwnerCommandRegistry;
  engineStats: () => Record<string, unknown> | undefined;
  submit: OwnerCommandContext['submit'];
  logger: Logger;
}

/**
 * Runs the commands of one subscription, one at a time and in order, inside the worker that
 * owns it, while the worker runs. It looks when told (`wake()`: the supervisor saw a command
 * arrive) and once at start; every write is fenced by the worker's lease token.
 */
export class CommandRunner {
  private readonly idle = new InterruptibleSleep();
  private readonly abort = new AbortController();
  private stopped = false;
  private loop: Promise<void> | undefined;
  private pendingWake = false;

  constructor(private readonly deps: CommandRunnerDeps) {}

  start(): void {
    this.loop ??= this.run();
  }

  wake(): void {
    this.pendingWake = true;
    this.idle.wake();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.abort.abort();
    this.idle.wake();
    await this.loop;
  }

  private async run(): Promise<void> {
    const { commands, subscription, owner, leaseToken, logger } = this.deps;
    while (!this.stopped) {
      this.pendingWake = false;
      let command: OwnerCommand | null = null;
      try {
        command = await commands.claimNext(subscription, owner, leaseToken);
      } catch (error) {
        logger.warn(
          `Subscription "${subscription}": reading commands failed: ${(error as Error).message}`,
        );
      }
      if (command) {
        await this.execute(command);
        continue;
      }
      if (!this.pendingWake && !this.stopped) {
        // Woken by the supervisor when a command arrives; a long sleep otherwise.
        await this.idle.sleep(60_000);
      }
    }
  }

  private async execute(command: OwnerCommand): Promise<void> {
    const { commands, registry, leaseToken, logger, subscription } = this.deps;
    const handler = registry.get(command.type);
    const context: OwnerCommandContext = {
      commandId: command.id,
      subscription,
      owner: this.deps.owner,
      leaseToken,
      engineStats: this.deps.engineStats,
      submit: this.deps.submit,
      progress: (progress) => commands.progress(command.id, leaseToken, progress),
      signal: this.abort.signal,
    };
    try {
      if (!handler) {
        throw new Error(`unknown command type "${command.type}"`);
      }
      const result = await handler(context, command.args);
      await commands.finish(command.id, leaseToken, { state: 'done', result });
    } catch (error) {
      if (this.stopped) {
        // The worker stops: the next owner takes the command over (it is still `running` with
        // this, older, lease token).
        return;
      }
      const message = errorMessage(error);
      logger.warn(`Subscription "${subscription}": command ${command.type} failed: ${message}`);
      await commands
        .finish(command.id, leaseToken, { state: 'failed', error: { message } })
        .catch(() => undefined);
    }
  }
}
