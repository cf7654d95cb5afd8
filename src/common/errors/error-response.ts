import { BadRequestException, HttpException, HttpStatus, ValidationError } from '@nestjs/common';
import { DomainError, DomainErrorCode, ErrorDetail } from '@app/relay';
import { BACKEND_UNAVAILABLE_MESSAGE, isBackendUnavailable } from './backend-errors';

/** The one JSON shape of every REST error. */
export interface ErrorResponse {
  statusCode: number;
  error: string;
  message: string;
  details: ErrorDetail[];
  /** Set on 500s: the id under which the cause was logged. */
  errorId?: string;
}

export function httpStatusOf(code: DomainErrorCode): HttpStatus {
  switch (code) {
    case 'BAD_INPUT':
      return HttpStatus.BAD_REQUEST;
    case 'NOT_FOUND':
      return HttpStatus.NOT_FOUND;
    case 'CONFLICT':
      return HttpStatus.CONFLICT;
    case 'FAILED_PRECONDITION':
      return HttpStatus.PRECONDITION_FAILED;
    case 'UNAVAILABLE':
      return HttpStatus.SERVICE_UNAVAILABLE;
    case 'UNAUTHENTICATED':
      return HttpStatus.UNAUTHORIZED;
    case 'FORBIDDEN':
      return HttpStatus.FORBIDDEN;
  }
}

export function graphqlCodeOf(code: DomainErrorCode): string {
  switch (code) {
    case 'BAD_INPUT':
      return 'BAD_USER_INPUT';
    case 'NOT_FOUND':
      return 'NOT_FOUND';
    case 'CONFLICT':
      return 'CONFLICT';
    case 'FAILED_PRECONDITION':
      return 'FAILED_PRECONDITION';
    case 'UNAVAILABLE':
      return 'UNAVAILABLE';
    case 'UNAUTHENTICATED':
      return 'UNAUTHENTICATED';
    case 'FORBIDDEN':
      return 'FORBIDDEN';
  }
}

/** Raised by the global ValidationPipe: a 400 listing each field and why it was refused. */
export class InputValidationException extends BadRequestException {
  constructor(readonly details: ErrorDetail[]) {
    super(`Invalid input: ${details.map(describeDetail).join('; ')}`);
  }
}

export function validationDetails(errors: ValidationError[], parent = ''): ErrorDetail[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((reason) => ({ field, reason }));
    return [...own, ...validationDetails(error.children ?? [], field)];
  });
}

export function describeDetail(detail: ErrorDetail): string {
  return detail.field && !detail.reason.startsWith(detail.field)
    ? `${detail.field}: ${detail.reason}`
    : detail.reason;
}

/** Maps any thrown value to the REST error body; `errorId` is set for unexpected errors. */
export function toErrorResponse(exception: unknown, errorId: string): ErrorResponse {
  if (exception instanceof DomainError) {
    const statusCode = httpStatusOf(exception.code);
    return {
      statusCode,
      error: reasonPhrase(statusCode),
      message: exception.message,
      details: exception.details,
    };
  }
  if (exception instanceof InputValidationException) {
    return {
      statusCode: 400,
      error: 'Bad Request',
      message: exception.message,
      details: exception.details,
    };
  }
  if (isBackendUnavailable(exception)) {
    return {
      statusCode: 503,
      error: 'Service Unavailable',
      message: BACKEND_UNAVAILABLE_MESSAGE,
      details: [],
    };
  }
  if (exception instanceof HttpException) {
    const statusCode = exception.getStatus();
    const body = exception.getResponse();
    const raw = typeof body === 'string' ? body : (body as { message?: unknown }).message;
    const message = Array.isArray(raw)
      ? raw.join('; ')
      : typeof raw === 'string'
        ? raw
        : exception.message;
    return { statusCode, error: reasonPhrase(statusCode), message, details: [] };
  }
  return {
    statusCode: 500,
    error: 'Internal Server Error',
    message: `Unexpected error; it was logged with id ${errorId}`,
    details: [],
    errorId,
  };
}

function reasonPhrase(status: number): string {
  const name = HttpStatus[status] as string | undefined;
  if (!name) {
    return 'Error';
  }
  return name
    .toLowerCase()
    .split('_')
    .map((word) => word[0].toUpperCase() + word.slice(1))
    .join(' ');
}
