import { registerEnumType } from '@nestjs/graphql';

/** viewer reads; operator also pauses, resumes, resets and replays; admin also creates and deletes. */
export const ROLES = ['viewer', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export const RoleEnum = { viewer: 'viewer', operator: 'operator', admin: 'admin' } as const;
registerEnumType(RoleEnum, {
  name: 'Role',
  description: 'viewer: read; operator: pause, resume, reset, replay; admin: everything',
});

export function hasRole(actual: Role, required: Role): boolean {
  return ROLES.indexOf(actual) >= ROLES.indexOf(required);
}
