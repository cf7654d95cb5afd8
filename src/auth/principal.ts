import type { Request } from 'express';
import type { Role } from './roles';

/** Who is calling: the token (or JWT subject) a request authenticated with. */
export interface Principal {
  /** The token id, `admin-token` for ADMIN_TOKEN, or `anonymous` when AUTH_DISABLED=true. */
  id: string;
  name: string;
  role: Role;
  /** Only these services' subscriptions are visible and actionable; undefined: all services. */
  services?: readonly string[];
}

/** The principal of a request with authentication off (AUTH_DISABLED=true). */
export const AUTH_DISABLED_PRINCIPAL: Principal = {
  id: 'anonymous',
  name: 'anonymous (AUTH_DISABLED)',
  role: 'admin',
};

export interface AuthenticatedRequest extends Request {
  principal?: Principal;
}

/** Whether the principal may see and act on a subscription of this service. */
export function canAccessService(principal: Principal, serviceName: string): boolean {
  return principal.services === undefined || principal.services.includes(serviceName);
}
