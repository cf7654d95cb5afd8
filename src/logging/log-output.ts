import type { LoggerService, LogLevel } from '@nestjs/common';
import pino from 'pino';
import type { AppConfig } from '../config/app-config';
import { PrettyLogStream } from './pretty-log-stream';

/**
 * Where the server's logs go: pretty and coloured for a person at a terminal, JSON lines for
 * machines (LOG_FORMAT). A test passes its own stream to read the lines back.
 */
export function createLogDestination(
  config: AppConfig,
  override?: NodeJS.WritableStream,
): pino.DestinationStream {
  if (override) return override;
  if (config.logFormat === 'pretty') return new PrettyLogStream(process.stdout);
  return pino.destination({ dest: 1, sync: true });
}

export function createBootLogger(
  config: AppConfig,
  destination: pino.DestinationStream,
): pino.Logger {
  return pino(
    {
      level: config.logLevel,
      base: { service: config.serviceName, instance: config.instanceId },
    },
    destination,
  );
}

/**
 * Nest's start-up chatter (modules initialised, every route mapped) at debug level, so the
 * banner's URLs stand out; the route lines also print the global prefix even for routes excluded
 * from it, which misleads (`/api/v1/health` is served at `/health/live`).
 */
const FRAMEWORK_CONTEXTS = new Set([
  'InstanceLoader',
  'RoutesResolver',
  'RouterExplorer',
  'NestFactory',
  'NestApplication',
  'GraphQLModule',
]);

export class QuietFrameworkLogger implements LoggerService {
  constructor(private readonly inner: LoggerService) {}

  log(message: unknown, ...optional: unknown[]): void {
    if (isFramework(optional)) this.inner.debug?.(message, ...optional);
    else this.inner.log(message, ...optional);
  }

  error(message: unknown, ...optional: unknown[]): void {
    this.inner.error(message, ...optional);
  }

  warn(message: unknown, ...optional: unknown[]): void {
    this.inner.warn(message, ...optional);
  }

  debug(message: unknown, ...optional: unknown[]): void {
    this.inner.debug?.(message, ...optional);
  }

  verbose(message: unknown, ...optional: unknown[]): void {
    this.inner.verbose?.(message, ...optional);
  }

  fatal(message: unknown, ...optional: unknown[]): void {
    (this.inner.fatal ?? this.inner.error).call(this.inner, message, ...optional);
  }

  setLogLevels(levels: LogLevel[]): void {
    this.inner.setLogLevels?.(levels);
  }
}

function isFramework(optional: unknown[]): boolean {
  const context = optional[optional.length - 1];
  return typeof context === 'string' && FRAMEWORK_CONTEXTS.has(context);
}
