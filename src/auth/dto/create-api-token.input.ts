import { InputType } from '@nestjs/graphql';
import {
  IDENTIFIER_PATTERN,
  IDENTIFIER_REASON,
  SUBSCRIPTION_LIMITS,
} from '../../subscriptions/subscription.defaults';
import {
  DateField,
  EnumField,
  StringArrayField,
  StringField,
} from '../../subscriptions/dto/api-field.decorators';
import { ROLES, RoleEnum, type Role } from '../roles';

/** POST /tokens and the createApiToken mutation. */
@InputType({ description: 'A new API token' })
export class CreateApiTokenInput {
  @StringField({
    description: 'What the token is for, e.g. the tool or person using it',
    example: 'grafana-dashboard',
    maxLength: 100,
  })
  name: string;

  @EnumField({
    description: 'viewer (read), operator (also pause, resume, reset, replay) or admin (all)',
    values: ROLES,
    graphqlEnum: RoleEnum,
    enumName: 'Role',
  })
  role: Role;

  @StringArrayField({
    description: 'Limit the token to these services’ subscriptions (default: every service)',
    optional: true,
    example: ['billing'],
    maxItems: 100,
    maxLength: SUBSCRIPTION_LIMITS.serviceNameMaxLength,
    pattern: IDENTIFIER_PATTERN,
    patternReason: IDENTIFIER_REASON,
  })
  services?: string[];

  @DateField({
    description: 'When the token stops working (default: never)',
    optional: true,
    example: '2030-01-01T00:00:00Z',
  })
  expiresAt?: Date;
}
