import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AppConfig } from '../config/app-config';
import { REQUIRED_ROLE, requestOf } from './auth.decorators';
import { AuthErrors } from './auth.errors';
import { isPublicPath } from './public-paths';
import { hasRole, type Role } from './roles';

/**
 * Authorisation, REST and GraphQL: the caller's role must reach the operation's @RequireRole
 * (admin when an operation declares none, so a forgotten decorator closes rather than opens).
 */
@Injectable()
export class RolesGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly config: AppConfig,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const request = requestOf(context);
    const principal = request.principal;
    if (!principal) {
      if (isPublicPath(request.path, this.config)) {
        return true;
      }
      throw AuthErrors.missingToken();
    }
    const required =
      this.reflector.getAllAndOverride<Role | undefined>(REQUIRED_ROLE, [
        context.getHandler(),
        context.getClass(),
      ]) ?? 'admin';
    if (!hasRole(principal.role, required)) {
      throw AuthErrors.roleRequired(required, principal.role);
    }
    return true;
  }
}
