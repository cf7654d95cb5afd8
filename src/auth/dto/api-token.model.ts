import { Field, GraphQLISODateTime, ObjectType } from '@nestjs/graphql';
import { ApiProperty } from '@nestjs/swagger';
import { OutputField } from '../../subscriptions/dto/output-field.decorator';
import { ROLES, RoleEnum, type Role } from '../roles';

export const TOKEN_STATES = ['active', 'expired', 'revoked'] as const;
export type TokenState = (typeof TOKEN_STATES)[number];

/** An API token as listed: never the token itself, nor its hash. */
@ObjectType('ApiToken')
export class ApiTokenView {
  @OutputField(() => String, { description: 'The id, used to revoke the token' })
  id: string;

  @OutputField(() => String, { description: 'What the token is for' })
  name: string;

  @Field(() => RoleEnum, { description: 'viewer, operator or admin' })
  @ApiProperty({ enum: [...ROLES], enumName: 'Role', description: 'viewer, operator or admin' })
  role: Role;

  @OutputField(() => [String], {
    description: 'The services the token is limited to; absent: every service',
    nullable: true,
    swagger: { type: [String] },
  })
  services?: string[];

  @OutputField(() => String, { description: 'The first characters of the token' })
  prefix: string;

  @OutputField(() => String, { description: 'active, expired or revoked' })
  state: TokenState;

  @OutputField(() => String, { description: 'The token (id) that created it' })
  createdBy: string;

  @OutputField(() => GraphQLISODateTime, { description: 'Created at' })
  createdAt: Date;

  @OutputField(() => GraphQLISODateTime, { description: 'Stops working at', nullable: true })
  expiresAt?: Date;

  @OutputField(() => GraphQLISODateTime, { description: 'Revoked at', nullable: true })
  revokedAt?: Date;
}

/** The answer to a token creation: the only time the token itself is shown. */
@ObjectType('CreatedApiToken')
export class CreatedApiTokenView extends ApiTokenView {
  @OutputField(() => String, {
    description: 'The token, shown once: send it as "Authorization: Bearer <token>"',
  })
  token: string;
}
