import { Args, Query, Resolver } from '@nestjs/graphql';
import { CurrentPrincipal, RequireRole } from '../auth/auth.decorators';
import type { Principal } from '../auth/principal';
import { AuditService } from './audit.service';
import { AuditEntryView } from './dto/audit-entry.model';
import { ListAuditArgs } from './dto/list-audit.args';

@Resolver(() => AuditEntryView)
@RequireRole('admin')
export class AuditResolver {
  constructor(private readonly audit: AuditService) {}

  @Query(() => [AuditEntryView], { description: 'The audit log, newest first (admin)' })
  auditLog(
    @Args() args: ListAuditArgs,
    @CurrentPrincipal() caller: Principal,
  ): Promise<AuditEntryView[]> {
    return this.audit.list(args, caller);
  }
}
