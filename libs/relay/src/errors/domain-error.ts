/**
 * What went wrong, independent of transport. Services throw DomainErrors; the HTTP exception
 * filter and the GraphQL error formatter are the only places that map codes to a protocol.
 */
export type DomainErrorCode =
  | 'BAD_INPUT'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'FAILED_PRECONDITION'
  | 'UNAVAILABLE'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN';

/** One reason an input was refused, naming the field (dotted path) when there is one. */
export interface ErrorDetail {
  field?: string;
  reason: string;
}

export class DomainError extends Error {
  override readonly name: string = 'DomainError';

  constructor(
    readonly code: DomainErrorCode,
    message: string,
    readonly details: ErrorDetail[] = [],
  ) {
    super(message);
  }
}
