import { Injectable } from '@nestjs/common';
import { AuditLogRepository } from './audit-log.repository';
import type { AuditEntryView } from './dto/audit-entry.model';
import type { ListAuditArgs } from './dto/list-audit.args';

/** Reading the audit log (admins); entries are written by the AuditInterceptor. */
@Injectable()
export class AuditService {
  constructor(private readonly log: AuditLogRepository) {}

  list(args: ListAuditArgs): Promise<AuditEntryView[]> {
    return this.log.list({
      actorId: args.actor ?? undefined,
      since: args.since ?? undefined,
      limit: args.limit ?? 100,
    });
  }
}
