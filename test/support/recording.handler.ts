import { Module } from '@nestjs/common';
import { ChangeHandler, type ChangeEventEnvelope, type EventHandler } from '@app/relay';
import { waitFor } from '@app/testing';
import { ScriptedFailuresHandler } from './scripted-failures.handler';

export const RECORDING_HANDLER = 'test-recorder';

/**
 * A provider handler as a service would write one: records every event it accepts, in the order
 * it accepted them. Tests read it through `app.get(RecordingHandler)`.
 */
@ChangeHandler(RECORDING_HANDLER)
export class RecordingHandler implements EventHandler {
  readonly events: ChangeEventEnvelope[] = [];

  async handle(event: ChangeEventEnvelope): Promise<void> {
    // A document may ask for a slow handler: `delayMs` before it is accepted.
    const delayMs = (event.fullDocument as { delayMs?: unknown } | null | undefined)?.delayMs;
    if (typeof delayMs === 'number' && delayMs > 0) {
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
    this.events.push(event);
  }

  of(subscription: string): ChangeEventEnvelope[] {
    return this.events.filter((event) => event.subscription === subscription);
  }

  async waitForEvents(
    subscription: string,
    count: number,
    timeoutMs = 15_000,
  ): Promise<ChangeEventEnvelope[]> {
    return waitFor(() => this.of(subscription).length >= count && this.of(subscription), {
      timeoutMs,
      description: `${count} events of "${subscription}" at the recording handler (got ${this.of(subscription).length})`,
    });
  }
}

/** What e2e tests pass to startServer({ imports }): the services' own handlers. */
@Module({
  providers: [RecordingHandler, ScriptedFailuresHandler],
  exports: [RecordingHandler],
})
export class TestHandlersModule {}
