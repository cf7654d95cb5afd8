import { DomainError } from '@app/relay';
import type { Role } from './roles';

/** The domain errors of authentication and authorisation; mapped in src/common/errors. */
export const AuthErrors = {
  missingToken: () =>
    new DomainError(
      'UNAUTHENTICATED',
      'Authentication required: send an API token as "Authorization: Bearer <token>"',
    ),

  invalidToken: () =>
    new DomainError('UNAUTHENTICATED', 'The API token is unknown, revoked or expired'),

  noRoleClaim: (claim: string) =>
    new DomainError(
      'FORBIDDEN',
      `The token's "${claim}" claim names no role (viewer, operator or admin)`,
    ),

  roleRequired: (required: Role, actual: Role) =>
    new DomainError(
      'FORBIDDEN',
      `This operation needs the ${required} role (the token is ${actual})`,
    ),

  serviceNotAllowed: (serviceName: string) =>
    new DomainError(
      'FORBIDDEN',
      `The API token is limited to other services than "${serviceName}"`,
      [{ field: 'serviceName', reason: 'outside the services of the API token' }],
    ),

  unscopedAdminOnly: () =>
    new DomainError(
      'FORBIDDEN',
      'Only an admin token that is not limited to services may read the audit log',
    ),

  tokenNotFound: (id: string) =>
    new DomainError('NOT_FOUND', `API token "${id}" does not exist`, [
      { field: 'id', reason: 'no API token has this id' },
    ]),

  invalidExpiry: () =>
    new DomainError('BAD_INPUT', 'Invalid API token: expiresAt must be in the future', [
      { field: 'expiresAt', reason: 'expiresAt must be in the future' },
    ]),
};
