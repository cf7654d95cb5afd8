import { Injectable } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { DomainError, type ErrorDetail } from '@app/relay';
import { AuthErrors } from '../../auth/auth.errors';
import { likeRegex } from '../query/expression-translator';
import type { Principal } from '../../auth/principal';
import { hasRole, type Role } from '../../auth/roles';
import { validationDetails } from '../../common/errors/error-response';
import { AppConfig } from '../../config/app-config';
import { CreateSubscriptionInput } from '../../subscriptions/dto/create-subscription.input';
import type { SubscriptionView } from '../../subscriptions/dto/subscription.model';
import { UpdateSubscriptionInput } from '../../subscriptions/dto/update-subscription.input';
import { SubscriptionsService } from '../../subscriptions/subscriptions.service';
import type { SqlLocation, SqlStatement } from '../parser/sql-script.parser';
import { result, type SqlStatementResult } from '../sql-result';
import { SqlErrors } from '../sql.errors';
import { showCreateStatement } from './show-create';
import type { SqlParams } from './sql-values';
import {
  bodyFromOptions,
  optionForField,
  readOptions,
  type GivenOptions,
} from './subscription-options';

/** The relay's built-in handler that logs each event: what a statement naming no handler gets. */
const LOG_HANDLER_NAME = 'log';

type SubscriptionStatement = Extract<
  SqlStatement,
  {
    kind:
      | 'create_subscription'
      | 'alter_subscription'
      | 'drop_subscription'
      | 'subscription_action'
      | 'show_create'
      | 'show_subscriptions';
  }
>;

const SUMMARY_COLUMNS = ['name', 'service_name', 'state', 'handler', 'database', 'revision'];

function summaryRow(view: SubscriptionView): unknown[] {
  return [
    view.name,
    view.serviceName,
    view.state,
    view.handler.type === 'webhook' ? 'webhook' : view.handler.name,
    view.source.database,
    view.revision,
  ];
}

/** The role each statement needs: the role of its REST twin. */
export function requiredRole(statement: SubscriptionStatement): Role {
  switch (statement.kind) {
    case 'create_subscription':
    case 'alter_subscription':
    case 'drop_subscription':
      return 'admin';
    case 'subscription_action':
      return 'operator';
    case 'show_create':
    case 'show_subscriptions':
      return 'viewer';
  }
}

/**
 * The EVENT_SUBSCRIPTION statements: each becomes the REST body it stands for, is validated as
 * REST validates that body, and runs through the SubscriptionsService, so SQL and REST cannot
 * disagree. Errors name the option, its line and column.
 */
@Injectable()
export class SqlSubscriptionsService {
  constructor(
    private readonly subscriptions: SubscriptionsService,
    private readonly config: AppConfig,
  ) {}

  async execute(
    statement: SubscriptionStatement,
    params: SqlParams,
    caller: Principal,
  ): Promise<SqlStatementResult> {
    const role = requiredRole(statement);
    if (!hasRole(caller.role, role)) {
      throw AuthErrors.roleRequired(role, caller.role);
    }
    switch (statement.kind) {
      case 'create_subscription':
        return this.create(statement, params, caller);
      case 'alter_subscription':
        return this.alter(statement, params, caller);
      case 'drop_subscription':
        return this.drop(statement, caller);
      case 'subscription_action':
        return this.action(statement, caller);
      case 'show_create': {
        const view = await this.subscriptions.get(statement.name, caller);
        return result(
          'show_create',
          ['name', 'create_statement'],
          [[view.name, showCreateStatement(view)]],
        );
      }
      case 'show_subscriptions': {
        const all = await this.subscriptions.list({}, caller);
        const pattern = statement.like === undefined ? undefined : likePattern(statement.like);
        const rows = all.filter((view) => !pattern || pattern.test(view.name)).map(summaryRow);
        return result('show_subscriptions', SUMMARY_COLUMNS, rows);
      }
    }
  }

  private async create(
    statement: Extract<SqlStatement, { kind: 'create_subscription' }>,
    params: SqlParams,
    caller: Principal,
  ): Promise<SqlStatementResult> {
    const given = readOptions(statement.options, params, false);
    const { body, notices } = bodyFromOptions(given, 'create');
    body.name = statement.name;
    const source = (body.source ??= {}) as Record<string, unknown>;
    if (source.database === undefined) {
      source.database = this.config.sqlDefaultDatabase;
      notices.push(
        `no database option: it watches the database "${this.config.sqlDefaultDatabase}" (SQL_DEFAULT_DATABASE)`,
      );
    }
    if (body.handler === undefined) {
      body.handler = { type: 'provider', name: LOG_HANDLER_NAME };
      if (!given.values.has('state')) {
        body.desiredState = 'paused';
      }
      notices.push(
        `no handler named: it gets the built-in "${LOG_HANDLER_NAME}" handler and is created ${body.desiredState === 'paused' ? 'paused' : 'active'}; ` +
          `name one with ALTER EVENT_SUBSCRIPTION ${statement.name} SET (handler = '...') or SET (webhook_url = '...'), then RESUME it`,
      );
    }
    const input = await this.validated(CreateSubscriptionInput, body, given, statement.loc);
    if (statement.ifNotExists) {
      const existing = await this.subscriptions
        .get(statement.name, caller)
        .catch((error: unknown) => {
          if (isCode(error, 'NOT_FOUND')) {
            return undefined;
          }
          throw error;
        });
      if (existing) {
        return result('create_subscription', SUMMARY_COLUMNS, [summaryRow(existing)], 0, [
          `subscription ${statement.name} already exists; nothing was changed`,
        ]);
      }
    }
    const created = await this.withOptionErrors(given, () =>
      this.subscriptions.create(input, caller),
    );
    return result('create_subscription', SUMMARY_COLUMNS, [summaryRow(created)], 1, notices);
  }

  private async alter(
    statement: Extract<SqlStatement, { kind: 'alter_subscription' }>,
    params: SqlParams,
    caller: Principal,
  ): Promise<SqlStatementResult> {
    const given = readOptions(statement.options, params, true);
    const { body, notices } = bodyFromOptions(given, 'alter');
    const patch = await this.validated(UpdateSubscriptionInput, body, given, statement.loc);
    let view = await this.withOptionErrors(given, () =>
      this.subscriptions.update(statement.name, patch, caller),
    );
    const state = given.values.get('state');
    if (state !== undefined) {
      if (state !== 'active' && state !== 'paused') {
        throw SqlErrors.badOption(
          'state',
          'must be active or paused',
          (given.locations.get('state') as SqlLocation).start,
        );
      }
      view =
        state === 'paused'
          ? await this.subscriptions.pause(statement.name, caller)
          : await this.subscriptions.resume(statement.name, caller);
    }
    return result('alter_subscription', SUMMARY_COLUMNS, [summaryRow(view)], 1, notices);
  }

  private async drop(
    statement: Extract<SqlStatement, { kind: 'drop_subscription' }>,
    caller: Principal,
  ): Promise<SqlStatementResult> {
    try {
      await this.subscriptions.delete(statement.name, caller);
    } catch (error) {
      if (statement.ifExists && isCode(error, 'NOT_FOUND')) {
        return result('drop_subscription', [], [], 0, [
          `subscription ${statement.name} does not exist; nothing was dropped`,
        ]);
      }
      throw error;
    }
    return result('drop_subscription', [], [], 1);
  }

  private async action(
    statement: Extract<SqlStatement, { kind: 'subscription_action' }>,
    caller: Principal,
  ): Promise<SqlStatementResult> {
    const kind = `${statement.action}_subscription`;
    switch (statement.action) {
      case 'pause':
        return result(
          kind,
          SUMMARY_COLUMNS,
          [summaryRow(await this.subscriptions.pause(statement.name, caller))],
          1,
        );
      case 'resume':
        return result(
          kind,
          SUMMARY_COLUMNS,
          [summaryRow(await this.subscriptions.resume(statement.name, caller))],
          1,
        );
      case 'reset':
        return result(
          kind,
          SUMMARY_COLUMNS,
          [summaryRow(await this.subscriptions.reset(statement.name, caller))],
          1,
        );
      case 'resync':
        return result(
          kind,
          SUMMARY_COLUMNS,
          [summaryRow(await this.subscriptions.resync(statement.name, caller))],
          1,
        );
    }
  }

  /** The REST validation of the body; each failure is reported against the option that set it. */
  private async validated<T extends object>(
    type: new () => T,
    body: Record<string, unknown>,
    given: GivenOptions,
    statementLoc: SqlLocation,
  ): Promise<T> {
    const input = plainToInstance(type, body);
    const errors = await validate(input, {
      whitelist: true,
      forbidNonWhitelisted: true,
      stopAtFirstError: true,
    });
    if (errors.length > 0) {
      throw this.optionError(validationDetails(errors), given, statementLoc);
    }
    return input;
  }

  private async withOptionErrors<T>(given: GivenOptions, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      if (error instanceof DomainError && error.code === 'BAD_INPUT' && error.details.length > 0) {
        throw this.optionError(error.details, given, undefined);
      }
      throw error;
    }
  }

  private optionError(
    details: ErrorDetail[],
    given: GivenOptions,
    statementLoc: SqlLocation | undefined,
  ): DomainError {
    const mapped = details.map((detail) => {
      const field = detail.field ?? '';
      const option = optionForField(field, given);
      const loc = option ? given.locations.get(option) : statementLoc;
      const property = field.split('.').pop() ?? '';
      const reason = detail.reason.startsWith(`${property} `)
        ? detail.reason.slice(property.length + 1)
        : detail.reason;
      const at = loc ? ` at line ${loc.start.line}, column ${loc.start.column}` : '';
      return {
        field: option ?? field,
        reason: `${option ? reason : `${field}: ${reason}`}${at}`,
      };
    });
    return new DomainError(
      'BAD_INPUT',
      `Invalid subscription: ${mapped.map((d) => `${d.field}: ${d.reason}`).join('; ')}`,
      mapped,
    );
  }
}

function isCode(error: unknown, code: string): boolean {
  return error instanceof DomainError && error.code === code;
}

/** SQL LIKE, case-insensitive as in MySQL's default collation. */
export function likePattern(like: string): RegExp {
  return new RegExp(likeRegex(like), 'is');
}
