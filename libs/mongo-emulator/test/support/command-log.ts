// Records the commands a client sends (the driver's command monitoring events), so a test can
// prove what actually went over the wire: how many getMores a cursor needed, that a change
// stream re-ran its aggregate after a fault, which getMore failed and with what code.
import type {
  CommandFailedEvent,
  CommandStartedEvent,
  CommandSucceededEvent,
  MongoClient,
} from 'mongodb';

export class CommandLog {
  readonly started: CommandStartedEvent[] = [];
  readonly succeeded: CommandSucceededEvent[] = [];
  readonly failed: CommandFailedEvent[] = [];

  /** The client must have been created with `monitorCommands: true`. */
  constructor(client: MongoClient) {
    client.on('commandStarted', (event) => this.started.push(event));
    client.on('commandSucceeded', (event) => this.succeeded.push(event));
    client.on('commandFailed', (event) => this.failed.push(event));
  }

  startedNamed(commandName: string): CommandStartedEvent[] {
    return this.started.filter((event) => event.commandName === commandName);
  }

  failedNamed(commandName: string): CommandFailedEvent[] {
    return this.failed.filter((event) => event.commandName === commandName);
  }

  /** `aggregate` commands whose pipeline starts with $changeStream. */
  changeStreamAggregates(): CommandStartedEvent[] {
    return this.startedNamed('aggregate').filter((event) => {
      const pipeline = event.command.pipeline as Array<Record<string, unknown>> | undefined;
      return pipeline?.[0]?.$changeStream !== undefined;
    });
  }

  clear(): void {
    this.started.length = 0;
    this.succeeded.length = 0;
    this.failed.length = 0;
  }
}
