import { Injectable } from '@nestjs/common';
import { AuthErrors } from '../auth/auth.errors';
import type { Principal } from '../auth/principal';
import { hasRole, type Role } from '../auth/roles';
import { AppConfig } from '../config/app-config';
import { SqlSubscriptionsService } from './ddl/sql-subscriptions.service';
import type { SqlParams } from './ddl/sql-values';
import {
  parseSqlScript,
  type QueryStatement,
  type SqlPosition,
  type SqlStatement,
} from './parser/sql-script.parser';
import { assertSafePipeline } from './query/pipeline-guard';
import { parseQuery, scriptPosition, type SqlNode } from './query/sql-ast';
import { SelectTranslator, type Relation } from './query/select-translator';
import { SqlQueryRepository } from './query/sql-query.repository';
import { result, type SqlStatementResult } from './sql-result';
import { SqlErrors } from './sql.errors';
import { BUILTIN_VIEWS } from './views/builtin-views';
import { SqlViewsRepository } from './views/sql-views.repository';

const VIEW_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Runs a SQL script statement by statement: EVENT_SUBSCRIPTION statements through the
 * subscriptions service, queries as one bounded aggregation each, views stored per deployment.
 * Statements run in order; the first failure stops the script (those before it have run).
 */
@Injectable()
export class SqlService {
  constructor(
    private readonly subscriptions: SqlSubscriptionsService,
    private readonly queries: SqlQueryRepository,
    private readonly views: SqlViewsRepository,
    private readonly config: AppConfig,
  ) {}

  async run(sql: string, params: SqlParams, caller: Principal): Promise<SqlStatementResult[]> {
    const statements = parseSqlScript(sql);
    if (statements.length === 0) {
      throw SqlErrors.invalid('no statement to run', undefined);
    }
    const results: SqlStatementResult[] = [];
    for (const statement of statements) {
      results.push(await this.execute(statement, params, caller));
    }
    return results;
  }

  private async execute(
    statement: SqlStatement,
    params: SqlParams,
    caller: Principal,
  ): Promise<SqlStatementResult> {
    switch (statement.kind) {
      case 'query':
        requireRole(caller, 'viewer');
        return this.query(statement, params, caller);
      case 'create_view':
        requireRole(caller, 'operator');
        return this.createView(statement, params, caller);
      case 'drop_view':
        requireRole(caller, 'operator');
        return this.dropView(statement);
      case 'show_views': {
        requireRole(caller, 'viewer');
        const stored = await this.views.list();
        return result(
          'show_views',
          ['name', 'builtin', 'definition'],
          [
            ...Object.entries(BUILTIN_VIEWS).map(([name, sql]) => [name, true, sql.trim()]),
            ...stored.map((view) => [view.name, false, view.sql]),
          ],
        );
      }
      case 'create_subscription':
      case 'alter_subscription':
      case 'drop_subscription':
      case 'subscription_action':
      case 'show_create':
      case 'show_subscriptions':
        return this.subscriptions.execute(statement, params, caller);
    }
  }

  private async query(
    statement: QueryStatement,
    params: SqlParams,
    caller: Principal,
  ): Promise<SqlStatementResult> {
    const relation = await this.translate(statement, params, caller);
    assertSafePipeline(relation.collection, relation.stages);
    const documents = await this.queries.aggregate(
      relation.collection,
      relation.stages,
      this.config.sqlMaxTimeMs,
    );
    const notices: string[] = [];
    const max = this.config.sqlMaxRows;
    if (documents.length > max) {
      documents.length = max;
      notices.push(
        `the result was cut at ${max} rows (SQL_MAX_ROWS); narrow it with WHERE or LIMIT`,
      );
    }
    return result(
      'select',
      relation.columns.map((column) => column.name),
      documents.map((document) => relation.columns.map((column) => document[column.key] ?? null)),
      0,
      notices,
    );
  }

  /** Parses and translates a query; views it names are read first (stored ones from MongoDB). */
  async translate(
    statement: QueryStatement,
    params: SqlParams,
    caller: Principal,
  ): Promise<Relation> {
    const ast = parseQuery(statement.text, statement.loc);
    const stored = new Map((await this.views.list()).map((view) => [view.name, view.sql]));
    const parsed = new Map<string, SqlNode>();
    const viewAst = (name: string): SqlNode | undefined => {
      if (!parsed.has(name)) {
        const sql = BUILTIN_VIEWS[name] ?? stored.get(name);
        if (sql === undefined) {
          return undefined;
        }
        parsed.set(
          name,
          parseQuery(sql, {
            start: { offset: 0, line: 1, column: 1 },
            end: { offset: 0, line: 1, column: 1 },
          }),
        );
      }
      return parsed.get(name);
    };
    const translator = new SelectTranslator({
      now: new Date(),
      health: this.config.health,
      services: caller.services,
      params,
      maxRows: this.config.sqlMaxRows,
      view: viewAst,
      point: (inner) => (inner ? scriptPosition(statement.loc.start, inner) : undefined),
      locate: (name) => locate(statement, name),
    });
    return translator.translateTop(ast);
  }

  private async createView(
    statement: Extract<SqlStatement, { kind: 'create_view' }>,
    params: SqlParams,
    caller: Principal,
  ): Promise<SqlStatementResult> {
    const name = statement.name.toLowerCase();
    if (!VIEW_NAME.test(name)) {
      throw SqlErrors.invalid(
        'a view name is a word of letters, digits and _ (at most 63)',
        statement.loc.start,
        'name',
      );
    }
    if (BUILTIN_VIEWS[name] !== undefined) {
      throw SqlErrors.invalid(`${name} is a built-in view`, statement.loc.start, 'name');
    }
    // A view must translate now: a broken one is refused here, not when someone reads it.
    await this.translate(statement.query, params, caller);
    const now = new Date();
    const saved = await this.views.save(
      { name, sql: statement.query.text, createdBy: caller.id, createdAt: now, updatedAt: now },
      statement.orReplace,
    );
    if (!saved) {
      throw SqlErrors.viewExists(name);
    }
    return result('create_view', ['name'], [[name]], 1);
  }

  private async dropView(
    statement: Extract<SqlStatement, { kind: 'drop_view' }>,
  ): Promise<SqlStatementResult> {
    const name = statement.name.toLowerCase();
    if (BUILTIN_VIEWS[name] !== undefined) {
      throw SqlErrors.invalid(`${name} is a built-in view`, statement.loc.start, 'name');
    }
    if (await this.views.delete(name)) {
      return result('drop_view', [], [], 1);
    }
    if (statement.ifExists) {
      return result('drop_view', [], [], 0, [`view ${name} does not exist; nothing was dropped`]);
    }
    throw SqlErrors.viewNotFound(name);
  }
}

function locate(statement: QueryStatement, name: string): SqlPosition | undefined {
  if (!name) {
    return undefined;
  }
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const match = new RegExp(`(?<![A-Za-z0-9_])${escaped}(?![A-Za-z0-9_])`, 'i').exec(statement.text);
  if (!match) {
    return undefined;
  }
  const before = statement.text.slice(0, match.index).split('\n');
  return scriptPosition(statement.loc.start, {
    line: before.length,
    column: before[before.length - 1].length + 1,
  });
}

function requireRole(caller: Principal, role: Role): void {
  if (!hasRole(caller.role, role)) {
    throw AuthErrors.roleRequired(role, caller.role);
  }
}
