import { randomUUID } from 'node:crypto';
import { ArgumentsHost, Catch, ExceptionFilter, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { toErrorResponse } from './error-response';

/** The one place REST errors are shaped; unexpected errors are logged with an id and a cause. */
@Catch()
export class HttpExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpExceptionFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') {
      // GraphQL errors are shaped by the GraphQL error formatter; rethrow to let Apollo see them.
      throw exception;
    }
    const errorId = randomUUID();
    const body = toErrorResponse(exception, errorId);
    if (body.statusCode >= 500) {
      this.logger.error({ err: exception, errorId }, 'Unhandled error');
    }
    const response = host.switchToHttp().getResponse<Response>();
    response.status(body.statusCode).json(body);
  }
}
