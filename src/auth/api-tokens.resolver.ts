import { Args, Mutation, Query, Resolver } from '@nestjs/graphql';
import { ApiTokensService } from './api-tokens.service';
import { CurrentPrincipal, RequireRole } from './auth.decorators';
import { CreateApiTokenInput } from './dto/create-api-token.input';
import { ApiTokenView, CreatedApiTokenView } from './dto/api-token.model';
import type { Principal } from './principal';

/** GraphQL adapter of API token management: the same service and input class as REST. */
@Resolver(() => ApiTokenView)
@RequireRole('admin')
export class ApiTokensResolver {
  constructor(private readonly tokens: ApiTokensService) {}

  @Query(() => [ApiTokenView], { description: 'API tokens, newest first (admin)' })
  apiTokens(@CurrentPrincipal() principal: Principal): Promise<ApiTokenView[]> {
    return this.tokens.list(principal);
  }

  @Mutation(() => CreatedApiTokenView, {
    description: 'Create an API token; the answer is the only time it is shown (admin)',
  })
  createApiToken(
    @Args('input') input: CreateApiTokenInput,
    @CurrentPrincipal() principal: Principal,
  ): Promise<CreatedApiTokenView> {
    return this.tokens.create(input, principal);
  }

  @Mutation(() => ApiTokenView, { description: 'Revoke an API token (admin)' })
  revokeApiToken(
    @Args('id') id: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<ApiTokenView> {
    return this.tokens.revoke(id, principal);
  }
}
