import { Args, Query, Resolver } from '@nestjs/graphql';
import { RequireRole } from '../auth/auth.decorators';
import { AuditService } from './audit.service';
import { AuditEntryView } from './dto/audit-entry.model';
import { ListAuditArgs } from './dto/list-audit.args';

@Resolver(() => AuditEntryView)
@RequireRole('admin')
export class AuditResolver {
  constructor(private readonly audit: AuditService) {}

  @Query(() => [AuditEntryView], { description: 'The audit log, newest first (admin)' })
  auditLog(@Args() args: ListAuditArgs): Promise<AuditEntryView[]> {
    return this.audit.list(args);
  }
}
