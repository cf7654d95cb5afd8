import { Injectable, type ExecutionContext } from '@nestjs/common';
import { ThrottlerGuard } from '@nestjs/throttler';
import type { Response } from 'express';
import { requestOf } from './auth.decorators';
import type { AuthenticatedRequest } from './principal';

/**
 * Rate limits per API token (RATE_LIMIT_PER_MINUTE, one budget across all routes), for REST and
 * GraphQL alike. The public probes are not limited: orchestrators poll them.
 */
@Injectable()
export class TokenThrottlerGuard extends ThrottlerGuard {
  protected override async shouldSkip(context: ExecutionContext): Promise<boolean> {
    // A GraphQL subscription over a socket has no response to put rate headers on; its
    // connection was authenticated once.
    const request = requestOf(context);
    return request.principal === undefined || request.res === undefined;
  }

  protected override getRequestResponse(context: ExecutionContext): {
    req: AuthenticatedRequest;
    res: Response;
  } {
    const req = requestOf(context);
    return { req, res: req.res as Response };
  }

  protected override async getTracker(request: AuthenticatedRequest): Promise<string> {
    return request.principal?.id ?? request.ip ?? 'unknown';
  }

  protected override generateKey(
    _context: ExecutionContext,
    tracker: string,
    name: string,
  ): string {
    return `${name}:${tracker}`;
  }
}
