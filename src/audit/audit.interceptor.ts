import {
  Injectable,
  Logger,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { GqlExecutionContext } from '@nestjs/graphql';
import { DomainError, errorMessage } from '@app/relay';
import { HttpException } from '@nestjs/common';
import type { GraphQLResolveInfo } from 'graphql';
import { catchError, concatMap, from, map, type Observable } from 'rxjs';
import { requestOf } from '../auth/auth.decorators';
import { AuditLogRepository } from './audit-log.repository';

const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Writes every mutation, REST or GraphQL, to the audit log once it is answered: who (the token),
 * what (the operation and its target), when, from where, and how it ended. The entry is written
 * before the answer goes out, so a caller that reads the log next finds it; a failing write is
 * logged and does not turn a done mutation into an error.
 */
@Injectable()
export class AuditInterceptor implements NestInterceptor {
  private readonly logger = new Logger('AuditLog');

  constructor(private readonly log: AuditLogRepository) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const action = this.actionOf(context);
    if (!action) {
      return next.handle();
    }
    const record = (outcome: string) => this.record(context, action, outcome);
    return next.handle().pipe(
      concatMap((result: unknown) => from(record('ok')).pipe(map(() => result))),
      catchError((error: unknown) =>
        from(record(outcomeOf(error))).pipe(
          concatMap(() => {
            throw error;
          }),
        ),
      ),
    );
  }

  /** The operation, or undefined for a read. */
  private actionOf(context: ExecutionContext): { name: string; target?: string } | undefined {
    if (context.getType<string>() === 'graphql') {
      const gql = GqlExecutionContext.create(context);
      const info = gql.getInfo<GraphQLResolveInfo>();
      if (info.parentType.name !== 'Mutation') {
        return undefined;
      }
      const args = gql.getArgs<{ name?: unknown; id?: unknown; input?: { name?: unknown } }>();
      return {
        name: `mutation ${info.fieldName}`,
        target: firstString(args.name, args.id, args.input?.name),
      };
    }
    const request = requestOf(context);
    if (READ_METHODS.has(request.method)) {
      return undefined;
    }
    const params = request.params as Record<string, string | undefined>;
    const body = request.body as { name?: unknown } | undefined;
    const route = (request.route as { path?: string } | undefined)?.path ?? request.path;
    return {
      name: `${request.method} ${route}`,
      target: firstString(params.name, params.id, body?.name),
    };
  }

  private async record(
    context: ExecutionContext,
    action: { name: string; target?: string },
    outcome: string,
  ): Promise<void> {
    const request = requestOf(context);
    const principal = request.principal;
    try {
      await this.log.append({
        at: new Date(),
        actorId: principal?.id ?? 'unknown',
        actorName: principal?.name ?? 'unknown',
        role: principal?.role ?? 'none',
        action: action.name,
        ...(action.target !== undefined ? { target: action.target } : {}),
        outcome,
        ip: request.ip ?? request.socket.remoteAddress ?? 'unknown',
        ...(request.headers['user-agent']
          ? { userAgent: request.headers['user-agent'].slice(0, 200) }
          : {}),
      });
    } catch (error) {
      this.logger.error(
        `Could not write the audit entry of ${action.name} by ${principal?.id ?? 'unknown'}: ${errorMessage(error)}`,
      );
    }
  }
}

function outcomeOf(error: unknown): string {
  if (error instanceof DomainError) {
    return error.code;
  }
  if (error instanceof HttpException) {
    return String(error.getStatus());
  }
  return 'error';
}

function firstString(...values: unknown[]): string | undefined {
  const found = values.find((value) => typeof value === 'string');
  return typeof found === 'string' ? found.slice(0, 200) : undefined;
}
