import { Injectable } from '@nestjs/common';
import { AuthErrors } from '../auth/auth.errors';
import type { Principal } from '../auth/principal';
import { AuditLogRepository } from './audit-log.repository';
import type { AuditEntryView } from './dto/audit-entry.model';
import type { ListAuditArgs } from './dto/list-audit.args';

/** Reading the audit log (admins); entries are written by the AuditInterceptor. */
@Injectable()
export class AuditService {
  constructor(private readonly log: AuditLogRepository) {}

  /** The log spans every service: a service-scoped admin may not read it. */
  list(args: ListAuditArgs, caller: Principal): Promise<AuditEntryView[]> {
    if (caller.services !== undefined) {
      throw AuthErrors.unscopedAdminOnly();
    }
    return this.log.list({
      actorId: args.actor ?? undefined,
      since: args.since ?? undefined,
      limit: args.limit ?? 100,
    });
  }
}
