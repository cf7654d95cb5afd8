import { randomBytes } from 'node:crypto';
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
/** Where `npm start` (and `npm run build`) put the built web dashboard, served at `/`. */
export const DEFAULT_DASHBOARD_DIR = 'dist/dashboard';
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
  /** Absolute directory of the built web dashboard (index.html and assets/), served at `/`. */
  readonly dashboardDir: string;
  readonly instanceId: string;
  readonly serviceName: string;
  readonly logLevel: LogLevel;
  /** `pretty` (colours, for people) or `json` (one object a line, for machines). */
  readonly logFormat: LogFormat;
  readonly shutdownGraceMs: number;
  readonly leaseTtlMs: number;
  /** False: an API-only instance (it runs no subscriptions). */
  readonly runWorkers: boolean;
  readonly maxSubscriptionsPerInstance: number | undefined;
  readonly maxInFlight: number;
  readonly maxBufferedEvents: number;
  readonly maxBufferedBytes: number;
  readonly checkpointIntervalMs: number;
  readonly reconcileIntervalMs: number;
  readonly metricsFlushIntervalMs: number;
  /** /health/ready fails when an owned worker's checkpoint lag passes this. */
  readonly readyMaxLagMs: number;
  /** The database a CREATE EVENT_SUBSCRIPTION watches when it names none. */
  readonly sqlDefaultDatabase: string;
  /** Most rows one SQL query returns. */
  readonly sqlMaxRows: number;
  /** Time limit (maxTimeMS) of one SQL query's aggregation. */
  readonly sqlMaxTimeMs: number;
  /** Health verdict thresholds (analytics): error and delivered shares in %, lag, handler time. */
  readonly health: {
    readonly criticalErrorPct: number;
    readonly warningErrorPct: number;
    readonly warningDeliveredPct: number;
    readonly warningLagMs: number;
    readonly degradedHandlerMs: number;
    /** Oplog margin: Warning under this % of the oplog window or under oplogWarningMs. */
    readonly oplogWarningPct: number;
    readonly oplogWarningMs: number;
    /** Oplog margin: Critical under this % of the window or under oplogCriticalMs. */
    readonly oplogCriticalPct: number;
    readonly oplogCriticalMs: number;
  };
  /** Alert notifications (see src/alerts); no URLs: alerts are off. */
  readonly alerts: AlertSettings;
  /** How often every subscription's oplog margin is checked (alarm logs, shrink rate). */
  readonly oplogCheckIntervalMs: number;
  /** Explicit opt-out of authentication (AUTH_DISABLED=true): every caller is an admin. */
  readonly authDisabled: boolean;
  /** The initial admin token (ADMIN_TOKEN); unset: one is generated at first start. */
  readonly adminToken: string | undefined;
  /** /metrics needs a bearer token (any role) when true. */
  readonly metricsAuth: boolean;
  /** Subscriptions on one database with compatible options share one change stream. */
  readonly sharedStreams: boolean;
  /** Browser origins allowed by CORS; empty: CORS closed. `*` allows any origin. */
  readonly corsOrigins: readonly string[];
  /** AES-256-GCM keys for secrets at rest: the current one first, then previous ones (rotation). */
  readonly secretKeys: readonly Buffer[];
  /** True when SECRET_KEY was unset and the key was generated for this process only. */
  readonly secretKeyGenerated: boolean;
  /** Webhook hosts allowed even when they resolve to private addresses (`*.example.com` allowed). */
  readonly webhookAllowedHosts: readonly string[];
  /** WEBHOOK_ALLOW_PRIVATE=true: webhooks may target loopback, private and link-local addresses. */
  readonly webhookAllowPrivate: boolean;
  readonly bodyLimitBytes: number;
  /** A request must arrive completely within this time, or it ends in 408. */
  readonly requestTimeoutMs: number;
  /** Requests per minute per token (per address when anonymous); 0 turns the limit off. */
  readonly rateLimitPerMinute: number;
  /** OpenID Connect JWTs accepted as bearer tokens; undefined: API tokens only. */
  readonly jwt: JwtSettings | undefined;

  constructor(values: AppConfig) {
    Object.assign(this, values);
    Object.freeze(this);
  }
}

export interface AlertSettings {
  /** Where notifications are POSTed (Slack incoming webhooks or any JSON receiver). */
  readonly webhookUrls: readonly string[];
  /** Alert when a subscription's pending dead letters reach this many. */
  readonly deadLetterThreshold: number;
  /** At most one notification per subscription within this time; later changes wait for it. */
  readonly cooldownMs: number;
  /** How often the health of every subscription is evaluated. */
  readonly checkIntervalMs: number;
  /** The recent window the alert verdict covers (rolled up by minute). */
  readonly windowMs: number;
}

export interface JwtSettings {
  jwksUrl: string;
  issuer: string;
  audience: string;
  /** Claim (dotted path) holding the role: viewer, operator or admin (or a list of roles). */
  roleClaim: string;
  /** Claim (dotted path) holding the services a token is limited to. */
  servicesClaim: string | undefined;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

type Environment = Record<string, string | undefined>;

/** What the configuration depends on besides the environment. */
export interface ConfigContext {
  /** Whether stdout is a terminal (LOG_FORMAT's default: pretty there, JSON elsewhere). */
  stdoutIsTty?: boolean;
  /** Base of a relative EMBEDDED_MONGO_DATA or DASHBOARD_DIR (default: the working directory). */
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
  if (vars.AUTH_JWKS_URL && (!vars.AUTH_JWT_ISSUER || !vars.AUTH_JWT_AUDIENCE)) {
    throw new ConfigError(
      'Invalid configuration: AUTH_JWKS_URL needs AUTH_JWT_ISSUER and AUTH_JWT_AUDIENCE (tokens of any issuer or audience would pass)',
    );
  }
  if (vars.MONGODB_URI && !vars.SECRET_KEY) {
    // A key generated per process would make the stored secrets unreadable after a restart.
    throw new ConfigError(
      'Invalid configuration: SECRET_KEY is required with MONGODB_URI (webhook secrets are encrypted at rest with it; openssl rand -base64 32)',
    );
  }
  return new AppConfig({
    port: vars.PORT ?? 3000,
    host: vars.HOST ?? '127.0.0.1',
    mongodbUri: vars.MONGODB_URI,
    mongodbDb: vars.MONGODB_DB ?? 'change_relay',
    embeddedMongo: vars.EMBEDDED_MONGO ?? 'auto',
    embeddedMongoDataDir: dataDirOf(vars.EMBEDDED_MONGO_DATA, context.cwd),
    embeddedMongoPort: vars.EMBEDDED_MONGO_PORT ?? DEFAULT_EMBEDDED_MONGO_PORT,
    dashboardDir: resolveFrom(context.cwd, vars.DASHBOARD_DIR?.trim() ?? DEFAULT_DASHBOARD_DIR),
    instanceId: vars.INSTANCE_ID ?? `${hostname()}-${process.pid}`,
    serviceName: vars.SERVICE_NAME ?? 'change-relay',
    logLevel: vars.LOG_LEVEL ?? 'info',
    logFormat: vars.LOG_FORMAT ?? (context.stdoutIsTty ? 'pretty' : 'json'),
    shutdownGraceMs: vars.SHUTDOWN_GRACE_MS ?? 10_000,
    leaseTtlMs: vars.LEASE_TTL_MS ?? 15_000,
    runWorkers: vars.RUN_WORKERS ?? true,
    maxSubscriptionsPerInstance: vars.MAX_SUBSCRIPTIONS_PER_INSTANCE,
    maxInFlight: vars.MAX_IN_FLIGHT ?? 1_000,
    maxBufferedEvents: vars.MAX_BUFFERED_EVENTS ?? 10_000,
    maxBufferedBytes: vars.MAX_BUFFERED_BYTES ?? 64 * 1024 * 1024,
    checkpointIntervalMs: vars.CHECKPOINT_INTERVAL_MS ?? 1_000,
    reconcileIntervalMs: vars.RECONCILE_INTERVAL_MS ?? 5_000,
    metricsFlushIntervalMs: vars.METRICS_FLUSH_INTERVAL_MS ?? 5_000,
    readyMaxLagMs: vars.READY_MAX_LAG_MS ?? 300_000,
    sqlDefaultDatabase: vars.SQL_DEFAULT_DATABASE ?? 'app',
    sqlMaxRows: vars.SQL_MAX_ROWS ?? 10_000,
    sqlMaxTimeMs: vars.SQL_MAX_TIME_MS ?? 10_000,
    health: {
      criticalErrorPct: vars.HEALTH_CRITICAL_ERROR_PCT ?? 5,
      warningErrorPct: vars.HEALTH_WARNING_ERROR_PCT ?? 1,
      warningDeliveredPct: vars.HEALTH_WARNING_DELIVERED_PCT ?? 95,
      warningLagMs: vars.HEALTH_WARNING_LAG_MS ?? 300_000,
      degradedHandlerMs: vars.HEALTH_DEGRADED_HANDLER_MS ?? 5_000,
      oplogWarningPct: vars.HEALTH_OPLOG_WARNING_PCT ?? 25,
      oplogWarningMs: vars.HEALTH_OPLOG_WARNING_MS ?? 3_600_000,
      oplogCriticalPct: vars.HEALTH_OPLOG_CRITICAL_PCT ?? 10,
      oplogCriticalMs: vars.HEALTH_OPLOG_CRITICAL_MS ?? 900_000,
    },
    alerts: {
      webhookUrls: alertUrls(vars.ALERT_WEBHOOK_URLS),
      deadLetterThreshold: vars.ALERT_DEAD_LETTER_THRESHOLD ?? 100,
      cooldownMs: vars.ALERT_COOLDOWN_MS ?? 300_000,
      checkIntervalMs: vars.ALERT_CHECK_INTERVAL_MS ?? 30_000,
      windowMs: vars.ALERT_WINDOW_MS ?? 900_000,
    },
    oplogCheckIntervalMs: vars.OPLOG_CHECK_INTERVAL_MS ?? 10_000,
    authDisabled: vars.AUTH_DISABLED === 'true',
    adminToken: vars.ADMIN_TOKEN,
    metricsAuth: vars.METRICS_AUTH === 'true',
    sharedStreams: vars.SHARED_STREAMS === 'true',
    corsOrigins: list(vars.CORS_ORIGINS),
    secretKeys: [
      ...(vars.SECRET_KEY ? [decodeKey(vars.SECRET_KEY)] : [randomBytes(32)]),
      ...list(vars.SECRET_KEY_PREVIOUS).map(decodeKey),
    ],
    secretKeyGenerated: !vars.SECRET_KEY,
    webhookAllowedHosts: list(vars.WEBHOOK_ALLOWED_HOSTS).map((host) => host.toLowerCase()),
    webhookAllowPrivate: vars.WEBHOOK_ALLOW_PRIVATE === 'true',
    bodyLimitBytes: (vars.BODY_LIMIT_KB ?? 1024) * 1024,
    requestTimeoutMs: vars.REQUEST_TIMEOUT_MS ?? 30_000,
    rateLimitPerMinute: vars.RATE_LIMIT_PER_MINUTE ?? 600,
    jwt:
      vars.AUTH_JWKS_URL && vars.AUTH_JWT_ISSUER && vars.AUTH_JWT_AUDIENCE
        ? {
            jwksUrl: vars.AUTH_JWKS_URL,
            issuer: vars.AUTH_JWT_ISSUER,
            audience: vars.AUTH_JWT_AUDIENCE,
            roleClaim: vars.AUTH_JWT_ROLE_CLAIM ?? 'role',
            servicesClaim: vars.AUTH_JWT_SERVICES_CLAIM,
          }
        : undefined,
  });
}

/** Each URL must parse (the pattern only checked the shape). */
function alertUrls(value: string | undefined): string[] {
  const urls = list(value);
  for (const url of urls) {
    if (!URL.canParse(url)) {
      throw new ConfigError(
        `Invalid configuration: ALERT_WEBHOOK_URLS must be a comma-separated list of http(s) URLs (got ${JSON.stringify(url)})`,
      );
    }
  }
  return urls;
}

function list(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

/** 64 hex digits or base64 of 32 bytes (the pattern checked which one). */
function decodeKey(value: string): Buffer {
  return /^[0-9a-fA-F]{64}$/.test(value) ? Buffer.from(value, 'hex') : Buffer.from(value, 'base64');
}

function dataDirOf(value: string | undefined, cwd: string | undefined): string | undefined {
  const setting = value?.trim() ?? DEFAULT_EMBEDDED_MONGO_DATA;
  if (setting === 'memory') return undefined;
  return resolveFrom(cwd, setting);
}

function resolveFrom(cwd: string | undefined, path: string): string {
  return cwd === undefined ? resolve(path) : resolve(cwd, path);
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
  SQL_DEFAULT_DATABASE = undefined;
  SQL_MAX_ROWS = undefined;
  SQL_MAX_TIME_MS = undefined;
  EMBEDDED_MONGO = undefined;
  EMBEDDED_MONGO_DATA = undefined;
  EMBEDDED_MONGO_PORT = undefined;
  DASHBOARD_DIR = undefined;
  INSTANCE_ID = undefined;
  SERVICE_NAME = undefined;
  LOG_LEVEL = undefined;
  LOG_FORMAT = undefined;
  SHUTDOWN_GRACE_MS = undefined;
  LEASE_TTL_MS = undefined;
  RUN_WORKERS = undefined;
  MAX_SUBSCRIPTIONS_PER_INSTANCE = undefined;
  MAX_IN_FLIGHT = undefined;
  MAX_BUFFERED_EVENTS = undefined;
  MAX_BUFFERED_BYTES = undefined;
  CHECKPOINT_INTERVAL_MS = undefined;
  RECONCILE_INTERVAL_MS = undefined;
  METRICS_FLUSH_INTERVAL_MS = undefined;
  READY_MAX_LAG_MS = undefined;
  HEALTH_CRITICAL_ERROR_PCT = undefined;
  HEALTH_WARNING_ERROR_PCT = undefined;
  HEALTH_WARNING_DELIVERED_PCT = undefined;
  HEALTH_WARNING_LAG_MS = undefined;
  HEALTH_DEGRADED_HANDLER_MS = undefined;
  ALERT_WEBHOOK_URLS = undefined;
  ALERT_DEAD_LETTER_THRESHOLD = undefined;
  ALERT_COOLDOWN_MS = undefined;
  ALERT_CHECK_INTERVAL_MS = undefined;
  ALERT_WINDOW_MS = undefined;
  HEALTH_OPLOG_WARNING_PCT = undefined;
  HEALTH_OPLOG_WARNING_MS = undefined;
  HEALTH_OPLOG_CRITICAL_PCT = undefined;
  HEALTH_OPLOG_CRITICAL_MS = undefined;
  OPLOG_CHECK_INTERVAL_MS = undefined;
  AUTH_DISABLED = undefined;
  ADMIN_TOKEN = undefined;
  METRICS_AUTH = undefined;
  SHARED_STREAMS = undefined;
  CORS_ORIGINS = undefined;
  SECRET_KEY = undefined;
  SECRET_KEY_PREVIOUS = undefined;
  WEBHOOK_ALLOWED_HOSTS = undefined;
  WEBHOOK_ALLOW_PRIVATE = undefined;
  BODY_LIMIT_KB = undefined;
  REQUEST_TIMEOUT_MS = undefined;
  RATE_LIMIT_PER_MINUTE = undefined;
  AUTH_JWKS_URL = undefined;
  AUTH_JWT_ISSUER = undefined;
  AUTH_JWT_AUDIENCE = undefined;
  AUTH_JWT_ROLE_CLAIM = undefined;
  AUTH_JWT_SERVICES_CLAIM = undefined;
}
