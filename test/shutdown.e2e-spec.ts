import { Injectable, Module } from '@nestjs/common';
import { ChangeHandler, type EventHandler, type HandlerContext } from '@app/relay';
import { testEnv, waitFor } from '@app/testing';
import { startServer, type Server } from '../src/bootstrap';
import { RelayApi } from './support/relay-api';
import { SourceData } from './support/source-data';

/** A delivery that only ends when the runtime aborts it. */
@Injectable()
@ChangeHandler('stalling')
class StallingHandler implements EventHandler {
  readonly calls: HandlerContext[] = [];

  handle(_event: unknown, ctx: HandlerContext): Promise<void> {
    this.calls.push(ctx);
    return new Promise((resolve) => ctx.signal.addEventListener('abort', () => resolve()));
  }
}

@Module({ providers: [StallingHandler] })
class StallingHandlerModule {}

/** Acceptance: SHUTDOWN_GRACE_MS bounds the drain, so close() never leaves work running. */
describe('Shutdown with a delivery that does not finish', () => {
  let server: Server | undefined;
  let source: SourceData;

  beforeAll(async () => {
    source = await SourceData.connect();
  });

  afterAll(async () => {
    await Promise.all([server?.close(), source?.close()]);
  });

  it('abandons it within SHUTDOWN_GRACE_MS and still shuts down gracefully', async () => {
    server = await startServer({
      env: testEnv({ SHUTDOWN_GRACE_MS: '3000' }),
      imports: [StallingHandlerModule],
      listen: false,
    });
    const handler = server.app.get(StallingHandler);
    await new RelayApi(server.app)
      .createSubscription({
        name: 'stalling',
        source: { database: source.database, collections: ['items'] },
        handler: { type: 'provider', name: 'stalling' },
      })
      .expect(201);
    // The worker may start after the insert: it reads from the subscription's start anyway.
    await source.insertNumbered('items', 'i', 0, 1);
    await waitFor(() => handler.calls.length === 1, { description: 'the delivery to start' });

    const { graceful } = await server.close();

    expect(graceful).toBe(true);
    expect(handler.calls[0].signal.aborted).toBe(true);
  });
});
