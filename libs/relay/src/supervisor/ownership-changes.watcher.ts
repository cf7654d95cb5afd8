import type { Logger } from '@nestjs/common';
import type { ChangeStream } from 'mongodb';
import type { OwnershipChange } from '../module/metadata-watch.repository';

/**
 * Calls `onChange` after every change the stream reports (see MetadataWatchRepository: writes
 * to `subscriptions`, instances joining or leaving, leases released), so the supervisor reacts
 * within moments. `onChange()` without a change means "look at everything": once each time the
 * stream is established (writes made while it was being opened are in no event), and after a
 * failure, when the watch is reopened with backoff. The periodic reconcile covers whatever
 * still slips through.
 */
export class OwnershipChangesWatcher {
  private stream: ChangeStream<Record<string, unknown>, OwnershipChange> | undefined;
  private stopped = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;

  constructor(
    private readonly open: () => Promise<ChangeStream<Record<string, unknown>, OwnershipChange>>,
    private readonly onChange: (change?: OwnershipChange) => void,
    private readonly logger: Logger,
  ) {}

  start(): void {
    this.loop ??= this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.stream?.close().catch(() => undefined);
    await this.loop;
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopped) {
      try {
        this.stream = await this.open();
        if (this.stopped) {
          break;
        }
        let established = false;
        for (;;) {
          const change = await this.stream.tryNext();
          if (this.stopped) {
            break;
          }
          if (!established) {
            // The first answer: the stream now runs on the server (the driver opens it lazily,
            // on the first read), so it reports every later write. A write made before that,
            // after the supervisor's last look, it never reports: look again now.
            established = true;
            this.onChange();
          }
          if (change) {
            failures = 0;
            this.onChange(change);
          } else if (this.stream.closed) {
            throw new Error('the metadata change stream was closed');
          }
        }
      } catch (error) {
        if (this.stopped) {
          break;
        }
        failures += 1;
        this.logger.warn(`Watching the metadata failed (${(error as Error).message}); reopening`);
        await this.stream?.close().catch(() => undefined);
        await this.sleep(Math.min(10_000, 250 * 2 ** Math.min(failures, 6)));
        this.onChange();
      }
    }
    await this.stream?.close().catch(() => undefined);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}
