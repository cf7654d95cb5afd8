import 'reflect-metadata';
import { ConfigError } from './config/app-config';
import { startServer } from './bootstrap';

async function main(): Promise<void> {
  const server = await startServer({ env: process.env });
  const shutdown = (signal: NodeJS.Signals) => {
    void server.close().then(({ graceful }) => {
      process.stderr.write(
        graceful
          ? ''
          : `Shutdown on ${signal} exceeded SHUTDOWN_GRACE_MS; in-flight work resumes from the checkpoint\n`,
      );
      process.exit(graceful ? 0 : 1);
    });
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
  } else {
    process.stderr.write(
      `Change Relay failed to start: ${error instanceof Error ? error.stack : String(error)}\n`,
    );
  }
  process.exit(1);
});
