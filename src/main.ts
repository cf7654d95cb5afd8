import 'reflect-metadata';
import { ConfigError } from './config/app-config';
import { startServer } from './bootstrap';

async function main(): Promise<void> {
  const server = await startServer({ env: process.env, stdoutIsTty: process.stdout.isTTY });
  const shutdown = (signal: NodeJS.Signals) => {
    const incomplete = () => {
      process.stderr.write(
        `Shutdown on ${signal} exceeded SHUTDOWN_GRACE_MS; in-flight work resumes from the checkpoint\n`,
      );
      process.exit(1);
    };
    // close() halts what still drains once the grace is over; this is the hard stop for an
    // orchestrator's kill timer, should closing connections hang on top of that.
    setTimeout(incomplete, server.config.shutdownGraceMs + 2_000).unref();
    void server.close().then(({ graceful }) => (graceful ? process.exit(0) : incomplete()));
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
