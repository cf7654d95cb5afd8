import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequireRole } from '../auth/auth.decorators';
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
  list(@Query() args: ListAuditArgs): Promise<AuditEntryView[]> {
    return this.audit.list(args);
  }
}
