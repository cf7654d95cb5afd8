import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { ApiTokensRepository, type ApiToken } from './api-tokens.repository';
import { AuthErrors } from './auth.errors';
import { JwtVerifier } from './jwt-verifier';
import type { CreateApiTokenInput } from './dto/create-api-token.input';
import type { ApiTokenView, CreatedApiTokenView, TokenState } from './dto/api-token.model';
import { AUTH_DISABLED_PRINCIPAL, type Principal } from './principal';
import { errorMessage } from '@app/relay';

const TOKEN_PREFIX = 'cr_';
/** The principal id of the ADMIN_TOKEN from the environment (it is not stored). */
export const CONFIGURED_ADMIN_ID = 'admin-token';

/**
 * API tokens: created (shown once), listed, revoked and expired through the API; stored as
 * SHA-256 hashes (tokens are 256 random bits, so a fast hash is enough). ADMIN_TOKEN is checked
 * against its hash in memory, so it works while MongoDB is unreachable. With AUTH_JWKS_URL,
 * bearer values shaped as JWTs go to the JwtVerifier instead.
 */
@Injectable()
export class ApiTokensService implements OnApplicationBootstrap {
  private readonly logger = new Logger('Auth');
  private readonly configuredAdminHash: Buffer | undefined;

  constructor(
    private readonly tokens: ApiTokensRepository,
    private readonly config: AppConfig,
    private readonly jwts: JwtVerifier,
  ) {
    this.configuredAdminHash = config.adminToken ? sha256(config.adminToken) : undefined;
  }

  onApplicationBootstrap(): void {
    if (this.config.authDisabled) {
      this.logger.warn(
        'AUTH_DISABLED=true: authentication is OFF, every caller is an admin. Never run so where others can reach the server',
      );
      return;
    }
    if (this.configuredAdminHash) {
      return;
    }
    // Not awaited: the server boots (and answers /health/live) while MongoDB is unreachable.
    this.ensureAdminToken().catch((error: unknown) => {
      this.logger.warn(
        `Could not check for an admin API token (${errorMessage(error)}); set ADMIN_TOKEN or restart once MongoDB answers`,
      );
    });
  }

  /** Who sends this Authorization header; throws UNAUTHENTICATED otherwise. */
  async authenticate(authorization: string | undefined): Promise<Principal> {
    if (this.config.authDisabled) {
      return AUTH_DISABLED_PRINCIPAL;
    }
    const match = /^Bearer ([\x21-\x7e]{1,8192})$/i.exec(authorization?.trim() ?? '');
    if (!match) {
      throw AuthErrors.missingToken();
    }
    if (this.jwts.accepts(match[1])) {
      return this.jwts.verify(match[1]);
    }
    const hash = sha256(match[1]);
    if (this.configuredAdminHash && timingSafeEqual(hash, this.configuredAdminHash)) {
      return { id: CONFIGURED_ADMIN_ID, name: 'ADMIN_TOKEN', role: 'admin' };
    }
    const token = await this.tokens.findByHash(hash.toString('hex'));
    if (!token || stateOf(token, new Date()) !== 'active') {
      throw AuthErrors.invalidToken();
    }
    return {
      id: token.id,
      name: token.name,
      role: token.role,
      ...(token.services ? { services: token.services } : {}),
    };
  }

  async create(input: CreateApiTokenInput, creator: Principal): Promise<CreatedApiTokenView> {
    const now = new Date();
    if (input.expiresAt && input.expiresAt.getTime() <= now.getTime()) {
      throw AuthErrors.invalidExpiry();
    }
    // A service-scoped admin can only hand out tokens within its own services.
    const services = creator.services ? (input.services ?? [...creator.services]) : input.services;
    for (const service of services ?? []) {
      if (creator.services && !creator.services.includes(service)) {
        throw AuthErrors.serviceNotAllowed(service);
      }
    }
    const secret = `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
    const created = await this.tokens.create({
      id: randomBytes(8).toString('hex'),
      name: input.name,
      role: input.role,
      ...(services ? { services } : {}),
      hash: sha256(secret).toString('hex'),
      prefix: secret.slice(0, 8),
      createdBy: creator.id,
      createdAt: now,
      ...(input.expiresAt ? { expiresAt: input.expiresAt } : {}),
    });
    this.logger.log(`API token ${created.id} ("${created.name}", ${created.role}) created`);
    return { ...toView(created, now), token: secret };
  }

  /** A service-scoped admin sees only tokens within its services. */
  async list(caller: Principal): Promise<ApiTokenView[]> {
    const now = new Date();
    return (await this.tokens.list())
      .filter((token) => withinScope(token, caller))
      .map((token) => toView(token, now));
  }

  async revoke(id: string, caller: Principal): Promise<ApiTokenView> {
    const now = new Date();
    const found = await this.tokens.findById(id);
    if (!found || !withinScope(found, caller)) {
      throw AuthErrors.tokenNotFound(id);
    }
    const revoked = await this.tokens.revoke(id, now);
    if (!revoked) {
      throw AuthErrors.tokenNotFound(id);
    }
    this.logger.log(`API token ${id} revoked`);
    return toView(revoked, now);
  }

  /** First start without ADMIN_TOKEN: generate an admin token, store its hash, print it once. */
  private async ensureAdminToken(): Promise<void> {
    if (await this.tokens.hasUsableAdmin(new Date())) {
      return;
    }
    const created = await this.create(
      { name: 'initial admin (generated at first start)', role: 'admin' },
      { id: 'server', name: 'server', role: 'admin' },
    );
    this.logger.warn(
      `No admin API token existed, so one was generated. It is shown this once; store it now: ${created.token}`,
    );
  }
}

/** Whether the caller may see and revoke this token: it is limited to the caller's services. */
function withinScope(token: ApiToken, caller: Principal): boolean {
  const scope = caller.services;
  return (
    scope === undefined ||
    (token.services !== undefined && token.services.every((service) => scope.includes(service)))
  );
}

function sha256(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

function stateOf(token: ApiToken, now: Date): TokenState {
  if (token.revokedAt) {
    return 'revoked';
  }
  return token.expiresAt && token.expiresAt.getTime() <= now.getTime() ? 'expired' : 'active';
}

function toView(token: ApiToken, now: Date): ApiTokenView {
  return {
    id: token.id,
    name: token.name,
    role: token.role,
    services: token.services,
    prefix: token.prefix,
    state: stateOf(token, now),
    createdBy: token.createdBy,
    createdAt: token.createdAt,
    expiresAt: token.expiresAt,
    revokedAt: token.revokedAt,
  };
}
