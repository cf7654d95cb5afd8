import { Transform } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, Min, MinLength } from 'class-validator';

export const EMBEDDED_MONGO_MODES = ['auto', 'mongod', 'emulator'] as const;
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export const LOG_FORMATS = ['pretty', 'json'] as const;

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
  @IsIn(EMBEDDED_MONGO_MODES, {
    message: `EMBEDDED_MONGO must be one of ${EMBEDDED_MONGO_MODES.join(', ')}`,
  })
  EMBEDDED_MONGO?: (typeof EMBEDDED_MONGO_MODES)[number];

  @IsOptional()
  @IsString()
  @MinLength(1, { message: 'EMBEDDED_MONGO_DATA must be a directory path or "memory"' })
  EMBEDDED_MONGO_DATA?: string;

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
}
