import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, RequireRole } from '../auth/auth.decorators';
import type { Principal } from '../auth/principal';
import { AuditService } from './audit.service';
import { AuditEntryView } from './dto/audit-entry.model';
import { ListAuditArgs } from './dto/list-audit.args';

@ApiTags('audit')
@ApiBearerAuth()
@RequireRole('admin')
@Controller('audit')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Get()
  @ApiOperation({ summary: 'The audit log: every mutation, who, what, when, from where' })
  @ApiOkResponse({ type: [AuditEntryView] })
  list(
    @Query() args: ListAuditArgs,
    @CurrentPrincipal() caller: Principal,
  ): Promise<AuditEntryView[]> {
    return this.audit.list(args, caller);
  }
}
