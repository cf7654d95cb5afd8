import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { EMBEDDED_MONGO_MODES, EnvironmentVariables, LOG_LEVELS } from './environment-variables';

export type EmbeddedMongoMode = (typeof EMBEDDED_MONGO_MODES)[number];
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The server's configuration, validated once at boot. The only reader of the environment. */
export class AppConfig {
  readonly port: number;
  readonly host: string;
  /** Unset: the server starts an embedded backend (see `embeddedMongo`). */
  readonly mongodbUri: string | undefined;
  readonly mongodbDb: string;
  readonly embeddedMongo: EmbeddedMongoMode;
  readonly instanceId: string;
  readonly serviceName: string;
  readonly logLevel: LogLevel;
  readonly shutdownGraceMs: number;
  readonly leaseTtlMs: number;
  /** Explicit opt-out of authentication (AUTH_DISABLED=true): every caller is an admin. */
  readonly authDisabled: boolean;
  /** The initial admin token (ADMIN_TOKEN); unset: one is generated at first start. */
  readonly adminToken: string | undefined;
  /** /metrics needs a bearer token (any role) when true. */
  readonly metricsAuth: boolean;
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

/**
 * Validates the environment and returns the typed configuration, or throws a ConfigError whose
 * message is one line naming each bad variable and what it allows.
 */
export function loadConfig(env: Environment): AppConfig {
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
    instanceId: vars.INSTANCE_ID ?? `${hostname()}-${process.pid}`,
    serviceName: vars.SERVICE_NAME ?? 'change-relay',
    logLevel: vars.LOG_LEVEL ?? 'info',
    shutdownGraceMs: vars.SHUTDOWN_GRACE_MS ?? 10_000,
    leaseTtlMs: vars.LEASE_TTL_MS ?? 15_000,
    authDisabled: vars.AUTH_DISABLED === 'true',
    adminToken: vars.ADMIN_TOKEN,
    metricsAuth: vars.METRICS_AUTH === 'true',
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
  INSTANCE_ID = undefined;
  SERVICE_NAME = undefined;
  LOG_LEVEL = undefined;
  SHUTDOWN_GRACE_MS = undefined;
  LEASE_TTL_MS = undefined;
  AUTH_DISABLED = undefined;
  ADMIN_TOKEN = undefined;
  METRICS_AUTH = undefined;
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
