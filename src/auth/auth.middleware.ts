import type { ArgumentsHost } from '@nestjs/common';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host';
import type { NextFunction, RequestHandler, Response } from 'express';
import type { HttpExceptionFilter } from '../common/errors/http-exception.filter';
import type { AppConfig } from '../config/app-config';
import type { ApiTokensService } from './api-tokens.service';
import type { AuthenticatedRequest } from './principal';
import { isPublicPath } from './public-paths';

/**
 * Authenticates every request but the public paths before anything else reads it (its body
 * included), so an anonymous call is a 401 on every route, GraphQL too. An Express middleware
 * rather than a Nest one, because Nest's middleware only covers routes under the global prefix.
 * Only the bearer header counts: no cookie, so a browser cannot be made to send credentials
 * cross-site. Errors take the one REST error shape through the exception filter.
 */
export function authenticationMiddleware(
  tokens: ApiTokensService,
  config: AppConfig,
  filter: HttpExceptionFilter,
): RequestHandler {
  return (request: AuthenticatedRequest, response: Response, next: NextFunction) => {
    if (isPublicPath(request.path, config)) {
      next();
      return;
    }
    tokens.authenticate(request.headers.authorization).then(
      (principal) => {
        request.principal = principal;
        next();
      },
      (error: unknown) => {
        const host: ArgumentsHost = new ExecutionContextHost([request, response, next]);
        filter.catch(error, host);
      },
    );
  };
}
