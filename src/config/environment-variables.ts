import { Transform } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  MinLength,
} from 'class-validator';

export const EMBEDDED_MONGO_MODES = ['auto', 'mongod', 'emulator'] as const;
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export const LOG_FORMATS = ['pretty', 'json'] as const;

/** `true`/`false` (any case, also 1/0); anything else stays a string and fails validation. */
const toBoolean = ({ value }: { value: unknown }): unknown => {
  if (typeof value !== 'string') {
    return value;
  }
  const normalised = value.trim().toLowerCase();
  if (normalised === 'true' || normalised === '1') {
    return true;
  }
  if (normalised === 'false' || normalised === '0') {
    return false;
  }
  return value;
};

/** An optional integer variable within bounds, with one message naming it and its range. */
function IntegerVariable(name: string, min: number, max: number): PropertyDecorator {
  const message = `${name} must be an integer from ${min} to ${max}`;
  return (target, key) => {
    IsOptional()(target, key);
    Transform(toInteger)(target, key);
    IsInt({ message })(target, key);
    Min(min, { message })(target, key);
    Max(max, { message })(target, key);
  };
}
/** A 256-bit key as 64 hex digits or 44 base64 characters (`openssl rand -base64 32`). */
const SECRET_KEY_SOURCE = '(?:[0-9a-fA-F]{64}|[A-Za-z0-9+/]{43}=)';
const SECRET_KEY_PATTERN = new RegExp(`^${SECRET_KEY_SOURCE}$`);
const SECRET_KEY_LIST_PATTERN = new RegExp(
  `^${SECRET_KEY_SOURCE}(\\s*,\\s*${SECRET_KEY_SOURCE})*$`,
);
const SECRET_KEY_REASON = (name: string) =>
  `${name} must be a 256-bit key: 64 hex digits or 44 base64 characters (openssl rand -base64 32)`;

/** Strict integer parsing: `"12abc"` and `""` stay invalid instead of becoming 12 or 0. */
const toInteger = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value.trim()) : value;

/**
 * The process environment as the server accepts it. Property names are the variable names, so
 * every validation message names the variable an operator has to fix.
 */
export class EnvironmentVariables {
  @IsOptional()
  @Transform(toInteger)
  @IsInt({ message: 'PORT must be an integer from 0 to 65535' })
  @Min(0, { message: 'PORT must be an integer from 0 to 65535' })
  @Max(65535, { message: 'PORT must be an integer from 0 to 65535' })
  PORT?: number;

  @IsOptional()
  @IsString()
  @MinLength(1, { message: 'HOST must be a host name or IP address' })
  HOST?: string;

  @IsOptional()
  @Matches(/^mongodb(\+srv)?:\/\/\S+$/, {
    message: 'MONGODB_URI must be a mongodb:// or mongodb+srv:// connection string',
  })
  MONGODB_URI?: string;

  @IsOptional()
  @Matches(/^[^/\\. "$*<>:|?]{1,63}$/, {
    message: 'MONGODB_DB must be a MongoDB database name (1-63 characters, none of /\\. "$*<>:|?)',
  })
  MONGODB_DB?: string;

  @IsOptional()
  @Matches(/^(?!(?:admin|local|config)$)[^/\\. "$*<>:|?]{1,63}$/, {
    message:
      'SQL_DEFAULT_DATABASE must be a MongoDB database name (1-63 characters, none of /\\. "$*<>:|?), not admin, local or config',
  })
  SQL_DEFAULT_DATABASE?: string;

  @IntegerVariable('SQL_MAX_ROWS', 1, 100_000)
  SQL_MAX_ROWS?: number;

  @IntegerVariable('SQL_MAX_TIME_MS', 100, 600_000)
  SQL_MAX_TIME_MS?: number;

  @IsOptional()
  @IsIn(EMBEDDED_MONGO_MODES, {
    message: `EMBEDDED_MONGO must be one of ${EMBEDDED_MONGO_MODES.join(', ')}`,
  })
  EMBEDDED_MONGO?: (typeof EMBEDDED_MONGO_MODES)[number];

  @IsOptional()
  @IsString()
  @MinLength(1, { message: 'EMBEDDED_MONGO_DATA must be a directory path or "memory"' })
  EMBEDDED_MONGO_DATA?: string;

  @IsOptional()
  @IsString()
  @MinLength(1, { message: 'DASHBOARD_DIR must be a directory path' })
  DASHBOARD_DIR?: string;

  @IsOptional()
  @Transform(toInteger)
  @IsInt({ message: 'EMBEDDED_MONGO_PORT must be an integer from 0 to 65535' })
  @Min(0, { message: 'EMBEDDED_MONGO_PORT must be an integer from 0 to 65535' })
  @Max(65535, { message: 'EMBEDDED_MONGO_PORT must be an integer from 0 to 65535' })
  EMBEDDED_MONGO_PORT?: number;

  @IsOptional()
  @Matches(/^[A-Za-z0-9._:-]{1,128}$/, {
    message: 'INSTANCE_ID must be 1-128 characters of letters, digits, ".", "_", ":" or "-"',
  })
  INSTANCE_ID?: string;

  @IsOptional()
  @Matches(/^[a-z0-9][a-z0-9-]{0,62}$/, {
    message:
      'SERVICE_NAME must be a lowercase slug (letters, digits and "-", at most 63 characters)',
  })
  SERVICE_NAME?: string;

  @IsOptional()
  @IsIn(LOG_LEVELS, { message: `LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}` })
  LOG_LEVEL?: (typeof LOG_LEVELS)[number];

  @IsOptional()
  @IsIn(LOG_FORMATS, { message: `LOG_FORMAT must be one of ${LOG_FORMATS.join(', ')}` })
  LOG_FORMAT?: (typeof LOG_FORMATS)[number];

  @IsOptional()
  @Transform(toInteger)
  @IsInt({ message: 'SHUTDOWN_GRACE_MS must be an integer from 0 to 600000' })
  @Min(0, { message: 'SHUTDOWN_GRACE_MS must be an integer from 0 to 600000' })
  @Max(600_000, { message: 'SHUTDOWN_GRACE_MS must be an integer from 0 to 600000' })
  SHUTDOWN_GRACE_MS?: number;

  @IsOptional()
  @Transform(toInteger)
  @IsInt({ message: 'LEASE_TTL_MS must be an integer from 1000 to 600000' })
  @Min(1000, { message: 'LEASE_TTL_MS must be an integer from 1000 to 600000' })
  @Max(600_000, { message: 'LEASE_TTL_MS must be an integer from 1000 to 600000' })
  LEASE_TTL_MS?: number;

  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean({ message: 'RUN_WORKERS must be true or false' })
  RUN_WORKERS?: boolean;

  @IntegerVariable('MAX_SUBSCRIPTIONS_PER_INSTANCE', 1, 100_000)
  MAX_SUBSCRIPTIONS_PER_INSTANCE?: number;

  @IntegerVariable('MAX_IN_FLIGHT', 1, 100_000)
  MAX_IN_FLIGHT?: number;

  @IntegerVariable('MAX_BUFFERED_EVENTS', 1, 10_000_000)
  MAX_BUFFERED_EVENTS?: number;

  @IntegerVariable('MAX_BUFFERED_BYTES', 1_048_576, 17_179_869_184)
  MAX_BUFFERED_BYTES?: number;

  @IntegerVariable('CHECKPOINT_INTERVAL_MS', 10, 600_000)
  CHECKPOINT_INTERVAL_MS?: number;

  @IntegerVariable('RECONCILE_INTERVAL_MS', 100, 600_000)
  RECONCILE_INTERVAL_MS?: number;

  @IntegerVariable('METRICS_FLUSH_INTERVAL_MS', 100, 600_000)
  METRICS_FLUSH_INTERVAL_MS?: number;

  @IntegerVariable('READY_MAX_LAG_MS', 1, 86_400_000)
  READY_MAX_LAG_MS?: number;

  @IntegerVariable('HEALTH_CRITICAL_ERROR_PCT', 0, 100)
  HEALTH_CRITICAL_ERROR_PCT?: number;

  @IntegerVariable('HEALTH_WARNING_ERROR_PCT', 0, 100)
  HEALTH_WARNING_ERROR_PCT?: number;

  @IntegerVariable('HEALTH_WARNING_DELIVERED_PCT', 0, 100)
  HEALTH_WARNING_DELIVERED_PCT?: number;

  @IntegerVariable('HEALTH_WARNING_LAG_MS', 1, 86_400_000)
  HEALTH_WARNING_LAG_MS?: number;

  @IntegerVariable('HEALTH_DEGRADED_HANDLER_MS', 1, 86_400_000)
  HEALTH_DEGRADED_HANDLER_MS?: number;

  @IntegerVariable('HEALTH_OPLOG_WARNING_PCT', 0, 100)
  HEALTH_OPLOG_WARNING_PCT?: number;

  @IntegerVariable('HEALTH_OPLOG_WARNING_MS', 0, 2_592_000_000)
  HEALTH_OPLOG_WARNING_MS?: number;

  @IntegerVariable('HEALTH_OPLOG_CRITICAL_PCT', 0, 100)
  HEALTH_OPLOG_CRITICAL_PCT?: number;

  @IntegerVariable('HEALTH_OPLOG_CRITICAL_MS', 0, 2_592_000_000)
  HEALTH_OPLOG_CRITICAL_MS?: number;

  @IntegerVariable('OPLOG_CHECK_INTERVAL_MS', 100, 3_600_000)
  OPLOG_CHECK_INTERVAL_MS?: number;

  @IsOptional()
  @Matches(/^https?:\/\/[^\s,]+(\s*,\s*https?:\/\/[^\s,]+)*$/, {
    message: 'ALERT_WEBHOOK_URLS must be a comma-separated list of http(s) URLs',
  })
  ALERT_WEBHOOK_URLS?: string;

  @IntegerVariable('ALERT_DEAD_LETTER_THRESHOLD', 1, 100_000_000)
  ALERT_DEAD_LETTER_THRESHOLD?: number;

  @IntegerVariable('ALERT_COOLDOWN_MS', 0, 86_400_000)
  ALERT_COOLDOWN_MS?: number;

  @IntegerVariable('ALERT_CHECK_INTERVAL_MS', 100, 3_600_000)
  ALERT_CHECK_INTERVAL_MS?: number;

  @IntegerVariable('ALERT_WINDOW_MS', 60_000, 2_592_000_000)
  ALERT_WINDOW_MS?: number;

  @IsOptional()
  @IsIn(['true', 'false'], { message: 'AUTH_DISABLED must be true or false' })
  AUTH_DISABLED?: 'true' | 'false';

  @IsOptional()
  @Matches(/^[\x21-\x7e]{24,256}$/, {
    message: 'ADMIN_TOKEN must be 24-256 printable characters without spaces',
  })
  ADMIN_TOKEN?: string;

  @IsOptional()
  @IsIn(['true', 'false'], { message: 'METRICS_AUTH must be true or false' })
  METRICS_AUTH?: 'true' | 'false';

  @IsOptional()
  @IsIn(['true', 'false'], { message: 'SHARED_STREAMS must be true or false' })
  SHARED_STREAMS?: 'true' | 'false';

  @IsOptional()
  @Matches(/^(\*|https?:\/\/[^\s,]+)(\s*,\s*https?:\/\/[^\s,]+)*$/, {
    message: 'CORS_ORIGINS must be a comma-separated list of http(s) origins',
  })
  CORS_ORIGINS?: string;

  @IsOptional()
  @Matches(SECRET_KEY_PATTERN, { message: SECRET_KEY_REASON('SECRET_KEY') })
  SECRET_KEY?: string;

  @IsOptional()
  @Matches(SECRET_KEY_LIST_PATTERN, {
    message: `${SECRET_KEY_REASON('SECRET_KEY_PREVIOUS')}, comma-separated`,
  })
  SECRET_KEY_PREVIOUS?: string;

  @IsOptional()
  @Matches(/^[A-Za-z0-9.*-]+(:\d{1,5})?(\s*,\s*[A-Za-z0-9.*-]+(:\d{1,5})?)*$/, {
    message: 'WEBHOOK_ALLOWED_HOSTS must be a comma-separated list of host names or IP addresses',
  })
  WEBHOOK_ALLOWED_HOSTS?: string;

  @IsOptional()
  @IsIn(['true', 'false'], { message: 'WEBHOOK_ALLOW_PRIVATE must be true or false' })
  WEBHOOK_ALLOW_PRIVATE?: 'true' | 'false';

  @IsOptional()
  @Transform(toInteger)
  @IsInt({ message: 'BODY_LIMIT_KB must be an integer from 1 to 10240' })
  @Min(1, { message: 'BODY_LIMIT_KB must be an integer from 1 to 10240' })
  @Max(10_240, { message: 'BODY_LIMIT_KB must be an integer from 1 to 10240' })
  BODY_LIMIT_KB?: number;

  @IsOptional()
  @Transform(toInteger)
  @IsInt({ message: 'REQUEST_TIMEOUT_MS must be an integer from 1000 to 600000' })
  @Min(1000, { message: 'REQUEST_TIMEOUT_MS must be an integer from 1000 to 600000' })
  @Max(600_000, { message: 'REQUEST_TIMEOUT_MS must be an integer from 1000 to 600000' })
  REQUEST_TIMEOUT_MS?: number;

  @IsOptional()
  @Transform(toInteger)
  @IsInt({ message: 'RATE_LIMIT_PER_MINUTE must be an integer from 0 to 1000000 (0 = off)' })
  @Min(0, { message: 'RATE_LIMIT_PER_MINUTE must be an integer from 0 to 1000000 (0 = off)' })
  @Max(1_000_000, {
    message: 'RATE_LIMIT_PER_MINUTE must be an integer from 0 to 1000000 (0 = off)',
  })
  RATE_LIMIT_PER_MINUTE?: number;

  @IsOptional()
  @Matches(/^https?:\/\/\S+$/, { message: 'AUTH_JWKS_URL must be an http(s) URL' })
  AUTH_JWKS_URL?: string;

  @IsOptional()
  @IsString()
  @MinLength(1, { message: 'AUTH_JWT_ISSUER must not be empty' })
  AUTH_JWT_ISSUER?: string;

  @IsOptional()
  @IsString()
  @MinLength(1, { message: 'AUTH_JWT_AUDIENCE must not be empty' })
  AUTH_JWT_AUDIENCE?: string;

  @IsOptional()
  @Matches(/^[\w:/-]+(\.[\w:/-]+)*$/, {
    message: 'AUTH_JWT_ROLE_CLAIM must be a claim name or dotted path (e.g. realm_access.roles)',
  })
  AUTH_JWT_ROLE_CLAIM?: string;

  @IsOptional()
  @Matches(/^[\w:/-]+(\.[\w:/-]+)*$/, {
    message: 'AUTH_JWT_SERVICES_CLAIM must be a claim name or dotted path',
  })
  AUTH_JWT_SERVICES_CLAIM?: string;
}
