import { randomBytes } from 'node:crypto';
import { RelaySupervisor } from '@app/relay';
import { testEnv, waitFor } from '@app/testing';
import { startServer, type Server } from '../../src/bootstrap';
import { RelayApi } from './relay-api';
import { RecordingHandler, TestHandlersModule } from './recording.handler';

export interface RelayServer extends Server {
  api: RelayApi;
  recorder: RecordingHandler;
  supervisor: RelaySupervisor;
}

/** Boots the real server (the one bootstrap) with the test handlers, on the shared backend. */
export async function startRelay(
  env: Record<string, string | undefined> = {},
  options: { listen?: boolean } = {},
): Promise<RelayServer> {
  const server = await startServer({
    env: testEnv(env),
    imports: [TestHandlersModule],
    listen: options.listen ?? false,
  });
  return {
    ...server,
    api: new RelayApi(server.app),
    recorder: server.app.get(RecordingHandler),
    supervisor: server.app.get(RelaySupervisor),
  };
}

/** A crash: workers, heartbeats and renewals stop at once, leases stay until they expire. */
export async function crash(server: RelayServer): Promise<void> {
  await server.supervisor.halt();
  await server.close();
}

/** A Standard Webhooks signing secret. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(24).toString('base64')}`;
}

/** Waits until the subscription's worker runs (it holds the lease and reads the stream). */
export async function waitUntilRunning(server: RelayServer, name: string, timeoutMs = 10_000) {
  return waitFor(
    async () => {
      const response = await server.api.status(name);
      return response.body.actualState === 'running' && response.body;
    },
    { timeoutMs, description: `subscription "${name}" to run` },
  );
}
