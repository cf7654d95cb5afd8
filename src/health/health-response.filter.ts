import { ArgumentsHost, Catch, ExceptionFilter, HttpException } from '@nestjs/common';
import type { Response } from 'express';

/**
 * Health probes answer with terminus' own body (`{status, info, error, details}`) on 503 too,
 * as orchestrators and dashboards that read terminus expect; the global REST shape would hide
 * which indicator is down.
 */
@Catch(HttpException)
export class HealthResponseFilter implements ExceptionFilter {
  catch(exception: HttpException, host: ArgumentsHost): void {
    host
      .switchToHttp()
      .getResponse<Response>()
      .status(exception.getStatus())
      .json(exception.getResponse());
  }
}
