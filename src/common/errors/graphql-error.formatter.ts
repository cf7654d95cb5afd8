import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import type { GraphQLFormattedError } from 'graphql';
import { unwrapResolverError } from '@apollo/server/errors';
import { DomainError } from '@app/relay';
import { BACKEND_UNAVAILABLE_MESSAGE, isBackendUnavailable } from './backend-errors';
import { graphqlCodeOf, InputValidationException } from './error-response';

const logger = new Logger('GraphQLErrorFormatter');

/** The one place GraphQL errors get their `extensions.code`, mirroring the REST filter. */
export function formatGraphqlError(
  formatted: GraphQLFormattedError,
  error: unknown,
): GraphQLFormattedError {
  const cause = unwrapResolverError(error);
  if (cause instanceof DomainError) {
    return {
      message: cause.message,
      path: formatted.path,
      locations: formatted.locations,
      extensions: { code: graphqlCodeOf(cause.code), details: cause.details },
    };
  }
  if (cause instanceof InputValidationException) {
    return {
      message: cause.message,
      path: formatted.path,
      locations: formatted.locations,
      extensions: { code: 'BAD_USER_INPUT', details: cause.details },
    };
  }
  if (isBackendUnavailable(cause)) {
    return {
      message: BACKEND_UNAVAILABLE_MESSAGE,
      path: formatted.path,
      locations: formatted.locations,
      extensions: { code: 'UNAVAILABLE' },
    };
  }
  const code = formatted.extensions?.code;
  // Errors from parsing and validating the query itself are the caller's, and safe to show.
  if (typeof code === 'string' && code !== 'INTERNAL_SERVER_ERROR') {
    return {
      message: formatted.message,
      locations: formatted.locations,
      path: formatted.path,
      extensions: { code },
    };
  }
  if (cause && typeof cause === 'object' && 'getStatus' in cause) {
    return formatted;
  }
  const errorId = randomUUID();
  logger.error({ err: cause, errorId }, 'Unhandled GraphQL error');
  return {
    message: `Unexpected error; it was logged with id ${errorId}`,
    path: formatted.path,
    locations: formatted.locations,
    extensions: { code: 'INTERNAL_SERVER_ERROR', errorId },
  };
}
