import type { ExecutionResult, GraphQLError } from 'graphql';
import type { Context } from 'graphql-ws';
import { formatGraphqlError } from '../errors/graphql-error.formatter';
import type { ApiTokensService } from '../../auth/api-tokens.service';
import type { AuthenticatedRequest, Principal } from '../../auth/principal';

/** What a socket keeps once its connection was authenticated. */
interface SocketExtra {
  principal?: Principal;
}

/**
 * graphql-ws server options: a connection is accepted only with a valid bearer token in its
 * `Authorization` connection parameter (any role; each operation's @RequireRole still applies),
 * otherwise it is closed with 4403 Forbidden.
 */
export function graphqlWsOptions(tokens: ApiTokensService) {
  return {
    path: '/graphql',
    onConnect: async (context: Context<Record<string, unknown> | undefined>): Promise<boolean> => {
      const params = context.connectionParams ?? {};
      const header = params.Authorization ?? params.authorization;
      try {
        (context.extra as SocketExtra).principal = await tokens.authenticate(
          typeof header === 'string' ? header : undefined,
        );
        return true;
      } catch {
        return false;
      }
    },
    // Errors take the same shape (extensions.code) as over HTTP.
    onNext: (
      _context: unknown,
      _id: unknown,
      _payload: unknown,
      _args: unknown,
      result: ExecutionResult,
    ): ExecutionResult | undefined =>
      result.errors ? { ...result, errors: result.errors.map(formatted) } : undefined,
    onError: (
      _context: unknown,
      _id: unknown,
      _payload: unknown,
      errors: readonly GraphQLError[],
    ) => errors.map(formatted),
  };
}

/** A GraphQLError as the HTTP endpoint's formatter shapes it. */
function formatted(error: GraphQLError): GraphQLError {
  return formatGraphqlError(error.toJSON(), error) as GraphQLError;
}

/**
 * The GraphQL context: over HTTP, the request the AuthMiddleware authenticated; over a socket,
 * a request-like object carrying the principal of the connection.
 */
export function graphqlContext(input: { req?: AuthenticatedRequest; extra?: SocketExtra }): {
  req: AuthenticatedRequest;
} {
  if (input.req) {
    return { req: input.req };
  }
  return {
    req: {
      principal: input.extra?.principal,
      path: '/graphql',
      headers: {},
    } as AuthenticatedRequest,
  };
}
