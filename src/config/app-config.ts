import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import {
  EMBEDDED_MONGO_MODES,
  EnvironmentVariables,
  LOG_FORMATS,
  LOG_LEVELS,
} from './environment-variables';

export type EmbeddedMongoMode = (typeof EMBEDDED_MONGO_MODES)[number];
export type LogLevel = (typeof LOG_LEVELS)[number];
export type LogFormat = (typeof LOG_FORMATS)[number];

/** Where the embedded backend keeps its data unless EMBEDDED_MONGO_DATA says otherwise. */
export const DEFAULT_EMBEDDED_MONGO_DATA = '.change-relay/data';
/** The embedded backend's port: fixed, so other processes can connect; not mongod's 27017. */
export const DEFAULT_EMBEDDED_MONGO_PORT = 27027;

/** The server's configuration, validated once at boot. The only reader of the environment. */
export class AppConfig {
  readonly port: number;
  readonly host: string;
  /** Unset: the server starts an embedded backend (see `embeddedMongo`). */
  readonly mongodbUri: string | undefined;
  readonly mongodbDb: string;
  readonly embeddedMongo: EmbeddedMongoMode;
  /** Absolute data directory of the embedded backend; undefined: in memory (throwaway). */
  readonly embeddedMongoDataDir: string | undefined;
  /** Port of the embedded backend (0: any free port). */
  readonly embeddedMongoPort: number;
  readonly instanceId: string;
  readonly serviceName: string;
  readonly logLevel: LogLevel;
  /** `pretty` (colours, for people) or `json` (one object a line, for machines). */
  readonly logFormat: LogFormat;
  readonly shutdownGraceMs: number;
  readonly leaseTtlMs: number;

  constructor(values: AppConfig) {
    Object.assign(this, values);
    Object.freeze(this);
  }
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

type Environment = Record<string, string | undefined>;

/** What the configuration depends on besides the environment. */
export interface ConfigContext {
  /** Whether stdout is a terminal (LOG_FORMAT's default: pretty there, JSON elsewhere). */
  stdoutIsTty?: boolean;
  /** Base of a relative EMBEDDED_MONGO_DATA (default: the working directory). */
  cwd?: string;
}

/**
 * Validates the environment and returns the typed configuration, or throws a ConfigError whose
 * message is one line naming each bad variable and what it allows.
 */
export function loadConfig(env: Environment, context: ConfigContext = {}): AppConfig {
  const known = Object.fromEntries(
    Object.keys(new EnvironmentVariablesKeys()).map((key) => [key, blankToUndefined(env[key])]),
  );
  const vars = plainToInstance(EnvironmentVariables, known);
  const errors = validateSync(vars, { forbidUnknownValues: true });
  if (errors.length > 0) {
    const reasons = errors.map((error) => {
      const messages = Object.values(error.constraints ?? {});
      const reason = messages[messages.length - 1] ?? `${error.property} is invalid`;
      return `${reason} (got ${JSON.stringify(env[error.property])})`;
    });
    throw new ConfigError(`Invalid configuration: ${reasons.join('; ')}`);
  }
  return new AppConfig({
    port: vars.PORT ?? 3000,
    host: vars.HOST ?? '127.0.0.1',
    mongodbUri: vars.MONGODB_URI,
    mongodbDb: vars.MONGODB_DB ?? 'change_relay',
    embeddedMongo: vars.EMBEDDED_MONGO ?? 'auto',
    embeddedMongoDataDir: dataDirOf(vars.EMBEDDED_MONGO_DATA, context.cwd),
    embeddedMongoPort: vars.EMBEDDED_MONGO_PORT ?? DEFAULT_EMBEDDED_MONGO_PORT,
    instanceId: vars.INSTANCE_ID ?? `${hostname()}-${process.pid}`,
    serviceName: vars.SERVICE_NAME ?? 'change-relay',
    logLevel: vars.LOG_LEVEL ?? 'info',
    logFormat: vars.LOG_FORMAT ?? (context.stdoutIsTty ? 'pretty' : 'json'),
    shutdownGraceMs: vars.SHUTDOWN_GRACE_MS ?? 10_000,
    leaseTtlMs: vars.LEASE_TTL_MS ?? 15_000,
  });
}

function dataDirOf(value: string | undefined, cwd: string | undefined): string | undefined {
  const setting = value?.trim() ?? DEFAULT_EMBEDDED_MONGO_DATA;
  if (setting === 'memory') return undefined;
  return cwd === undefined ? resolve(setting) : resolve(cwd, setting);
}

function blankToUndefined(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}

/** Lists the variable names at runtime (class fields without initialisers are not enumerable). */
class EnvironmentVariablesKeys implements Record<keyof EnvironmentVariables, undefined> {
  PORT = undefined;
  HOST = undefined;
  MONGODB_URI = undefined;
  MONGODB_DB = undefined;
  EMBEDDED_MONGO = undefined;
  EMBEDDED_MONGO_DATA = undefined;
  EMBEDDED_MONGO_PORT = undefined;
  INSTANCE_ID = undefined;
  SERVICE_NAME = undefined;
  LOG_LEVEL = undefined;
  LOG_FORMAT = undefined;
  SHUTDOWN_GRACE_MS = undefined;
  LEASE_TTL_MS = undefined;
}
