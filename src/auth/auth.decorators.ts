import { createParamDecorator, SetMetadata, type ExecutionContext } from '@nestjs/common';
import { GqlExecutionContext } from '@nestjs/graphql';
import type { AuthenticatedRequest, Principal } from './principal';
import type { Role } from './roles';

export const REQUIRED_ROLE = 'auth:required-role';

/** The least role an operation needs. An operation without it needs admin (closed by default). */
export const RequireRole = (role: Role) => SetMetadata(REQUIRED_ROLE, role);

/** The express request of a REST call or a GraphQL operation. */
export function requestOf(context: ExecutionContext): AuthenticatedRequest {
  if (context.getType<string>() === 'graphql') {
    return GqlExecutionContext.create(context).getContext<{ req: AuthenticatedRequest }>().req;
  }
  return context.switchToHttp().getRequest<AuthenticatedRequest>();
}

/** The caller, as authenticated by the AuthMiddleware (REST and GraphQL alike). */
export const CurrentPrincipal = createParamDecorator(
  (_data: unknown, context: ExecutionContext): Principal => {
    const principal = requestOf(context).principal;
    if (!principal) {
      // The middleware authenticates every API route before it runs; this is a wiring error.
      throw new Error('No authenticated principal on the request');
    }
    return principal;
  },
);
