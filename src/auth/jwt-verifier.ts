import { Injectable } from '@nestjs/common';
import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload } from 'jose';
import { AppConfig } from '../config/app-config';
import { AuthErrors } from './auth.errors';
import type { Principal } from './principal';
import { ROLES, type Role } from './roles';

/** A compact JWS: three base64url parts. API tokens (`cr_…`) never look like one. */
const JWT_SHAPE = /^[\w-]+\.[\w-]+\.[\w-]+$/;

/**
 * Optional OpenID Connect bearer tokens: JWTs signed by a key of AUTH_JWKS_URL, with the
 * configured issuer and audience, and the role in AUTH_JWT_ROLE_CLAIM (viewer, operator or
 * admin; AUTH_JWT_SERVICES_CLAIM optionally limits it to services). Verified with `jose`.
 */
@Injectable()
export class JwtVerifier {
  private readonly keys: ReturnType<typeof createRemoteJWKSet> | undefined;

  constructor(private readonly config: AppConfig) {
    this.keys = config.jwt
      ? createRemoteJWKSet(new URL(config.jwt.jwksUrl), { timeoutDuration: 5_000 })
      : undefined;
  }

  /** Whether this bearer value is for this verifier (JWTs configured and it looks like one). */
  accepts(bearer: string): boolean {
    return this.keys !== undefined && JWT_SHAPE.test(bearer);
  }

  async verify(bearer: string): Promise<Principal> {
    const jwt = this.config.jwt;
    if (!this.keys || !jwt) {
      throw AuthErrors.invalidToken();
    }
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(bearer, this.keys, {
        issuer: jwt.issuer,
        audience: jwt.audience,
        algorithms: ['RS256', 'RS384', 'RS512', 'PS256', 'ES256', 'ES384', 'EdDSA'],
        clockTolerance: 30,
      }));
    } catch (error) {
      if (error instanceof errors.JOSEError) {
        throw AuthErrors.invalidToken();
      }
      throw error;
    }
    const role = claimAt(payload, jwt.roleClaim);
    const roles = (Array.isArray(role) ? role : [role]).filter(
      (value): value is Role =>
        typeof value === 'string' && (ROLES as readonly string[]).includes(value),
    );
    if (roles.length === 0) {
      throw AuthErrors.noRoleClaim(jwt.roleClaim);
    }
    // Several roles (e.g. groups): the highest counts.
    const best = roles.reduce((a, b) => (ROLES.indexOf(a) >= ROLES.indexOf(b) ? a : b));
    const services = jwt.servicesClaim ? claimAt(payload, jwt.servicesClaim) : undefined;
    return {
      id: `jwt:${payload.sub ?? 'unknown'}`,
      name: typeof payload.sub === 'string' ? payload.sub : 'jwt',
      role: best,
      ...(Array.isArray(services)
        ? { services: services.filter((s): s is string => typeof s === 'string') }
        : {}),
    };
  }
}

/** A claim by dotted path (`realm_access.roles` as Keycloak writes it). */
function claimAt(payload: JWTPayload, path: string): unknown {
  return path
    .split('.')
    .reduce<unknown>(
      (value, key) =>
        typeof value === 'object' && value !== null && Object.hasOwn(value, key)
          ? (value as Record<string, unknown>)[key]
          : undefined,
      payload,
    );
}
