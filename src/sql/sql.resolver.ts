import { Args, Mutation, Resolver } from '@nestjs/graphql';
import { CurrentPrincipal, RequireRole } from '../auth/auth.decorators';
import type { Principal } from '../auth/principal';
import { SqlResultView } from './dto/sql-result.model';
import { SqlInput } from './dto/sql.input';
import { SqlService } from './sql.service';

/** GraphQL adapter of the SQL interface: the same service and input class as REST. */
@Resolver(() => SqlResultView)
export class SqlResolver {
  constructor(private readonly statements: SqlService) {}

  @Mutation(() => [SqlResultView], {
    description: 'Run SQL statements (a mutation: statements may change subscriptions)',
  })
  @RequireRole('viewer')
  sql(
    @Args('input') input: SqlInput,
    @CurrentPrincipal() caller: Principal,
  ): Promise<SqlResultView[]> {
    return this.statements.run(input.sql, input.params ?? {}, caller);
  }
}
