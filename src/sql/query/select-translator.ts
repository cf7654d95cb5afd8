import type { HealthThresholds } from '../../analytics/health.rules';
import type { SqlPoint } from '../sql.errors';
import { SqlErrors } from '../sql.errors';
import {
  AGGREGATE_FUNCTIONS,
  containsAggregate,
  ExpressionTranslator,
  literal,
  type ExpressionScope,
} from './expression-translator';
import {
  columnName,
  expressionText,
  functionArgs,
  functionName,
  isNode,
  locationOf,
  nodes,
  str,
  text,
  type SqlNode,
} from './sql-ast';
import {
  findTable,
  tableRowStages,
  VIRTUAL_TABLES,
  type ColumnType,
  type Stage,
} from './virtual-tables';

export interface RelationColumn {
  name: string;
  /** The field holding it in a row. */
  key: string;
  type: ColumnType | 'unknown';
}

/** Rows something can be selected from: a collection and the stages producing the rows. */
export interface Relation {
  collection: string;
  stages: Stage[];
  columns: RelationColumn[];
  /**
   * The key of an object column whose entries are columns too (the journal's `fields`: business
   * fields named per subscription, so unknown in advance).
   */
  dynamicColumns?: string;
}

/** The names a journal field may have (letters, digits, _): safe as a field path. */
const DYNAMIC_COLUMN = /^[A-Za-z_][A-Za-z0-9_]*$/;

export interface TranslateContext {
  now: Date;
  health: HealthThresholds;
  /** The caller's services (undefined: all). */
  services: readonly string[] | undefined;
  params: Readonly<Record<string, unknown>>;
  /** Most rows a top-level query returns (one more is read, to tell the caller it was cut). */
  maxRows: number;
  /** A stored or built-in view's query, parsed; undefined when no view has this name. */
  view(name: string): SqlNode | undefined;
  /** A position in the query text as a position in the script. */
  point(inner: { line: number; column: number } | undefined): SqlPoint | undefined;
  /** Where a name first appears in the query (the parser gives table names no position). */
  locate(name: string): SqlPoint | undefined;
}

interface ScopeEntry {
  alias: string;
  key: string;
  relation: Relation;
}

const MAX_VIEW_DEPTH = 8;

/** The names a FROM can use: the virtual tables, CTEs and views. */
export function knownTables(): string[] {
  return VIRTUAL_TABLES.map((table) =>
    table.callable ? `${table.name.toUpperCase()}()` : table.name.toUpperCase(),
  );
}

/**
 * A SELECT (with WITH, joins, WHERE, GROUP BY, HAVING, ORDER BY, LIMIT) as one aggregation over
 * one collection: tables are the virtual tables' row stages, joins are `$lookup`s with their
 * stages, CTEs and views are their own translation. Nothing else can be named, so nothing else
 * can be read.
 */
export class SelectTranslator {
  private depth = 0;

  constructor(private readonly context: TranslateContext) {}

  /** The top-level query: bounded to maxRows + 1 rows. */
  translateTop(ast: SqlNode): Relation {
    return this.translate(ast, new Map(), true);
  }

  translate(ast: SqlNode, outerCtes: ReadonlyMap<string, Relation>, top = false): Relation {
    const at = this.context.point(locationOf(ast));
    if (ast.type !== 'select') {
      throw SqlErrors.invalid(
        `only SELECT reads the tables: ${(str(ast.type) || 'this statement').toUpperCase()} is refused (the SQL interface never writes through a query)`,
        at,
      );
    }
    if (isNode(ast.into) && ast.into.position) {
      throw SqlErrors.invalid('SELECT ... INTO is refused: queries never write', at);
    }
    if (ast._next || ast.set_op) {
      throw SqlErrors.unsupported('UNION, INTERSECT and EXCEPT', at);
    }
    const ctes = new Map(outerCtes);
    for (const cte of nodes(ast.with)) {
      const name = (text(cte.name) ?? '').toLowerCase();
      const stmt = isNode(cte.stmt) ? (isNode(cte.stmt.ast) ? cte.stmt.ast : cte.stmt) : undefined;
      if (!stmt) {
        throw SqlErrors.unsupported('this WITH clause', at);
      }
      const relation = this.translate(stmt, ctes);
      const renamed = nodes(cte.columns).map((column) => (text(column) ?? '').toLowerCase());
      ctes.set(
        name,
        renamed.length === 0
          ? relation
          : {
              ...relation,
              columns: relation.columns.map((column, index) => ({
                ...column,
                name: renamed[index] ?? column.name,
              })),
            },
      );
    }
    const from = nodes(ast.from);
    if (from.length === 0) {
      throw SqlErrors.invalid(
        `a query reads FROM one of the tables: ${knownTables().join(', ')}`,
        at,
      );
    }
    const entries: ScopeEntry[] = [];
    const datePaths = new Set<string>();
    const base = this.relationFor(from[0], ctes);
    const stages: Stage[] = [...base.stages, { $replaceWith: { t0: '$$ROOT' } }];
    entries.push({ alias: aliasOf(from[0]), key: 't0', relation: base });
    for (const item of from.slice(1)) {
      stages.push(...this.join(item, ctes, entries, datePaths));
    }
    const rowScope = this.rowScope(entries, datePaths);
    const rows = new ExpressionTranslator(rowScope);
    if (isNode(ast.where)) {
      if (containsAggregate(ast.where)) {
        throw SqlErrors.invalid('aggregates belong in HAVING, not WHERE', at);
      }
      stages.push({ $match: { $expr: rows.translate(ast.where, at) } });
    }
    const items = this.selectItems(ast, entries);
    const grouped =
      isNode(ast.groupby) ||
      Array.isArray(ast.groupby) ||
      items.some((item) => containsAggregate(item.expr)) ||
      containsAggregate(ast.having);
    const project: Record<string, unknown> = { _id: 0 };
    const columns: RelationColumn[] = [];
    const sortKeys: [string, 1 | -1][] = [];
    if (grouped) {
      const group = new GroupBuilder(this.groupExpressions(ast, items, entries), rows, rowScope);
      const translator = new ExpressionTranslator(group.scope(items));
      items.forEach((item, index) => {
        project[`c${index}`] = projected(translator.translate(item.expr, at));
        columns.push({
          name: item.name,
          key: `c${index}`,
          type: typeOf(rows, item.expr, datePaths),
        });
      });
      const having = isNode(ast.having) ? translator.translate(ast.having, at) : undefined;
      this.orderKeys(ast, items, translator, project, sortKeys, at);
      stages.push(...group.stages());
      if (having !== undefined) {
        stages.push({ $match: { $expr: having } });
      }
    } else {
      if (isNode(ast.having)) {
        throw SqlErrors.invalid('HAVING needs GROUP BY or an aggregate', at);
      }
      const translator = new ExpressionTranslator({
        ...rowScope,
        hook: (node) => this.outputAlias(node, items, entries, rows),
      });
      items.forEach((item, index) => {
        project[`c${index}`] = projected(rows.translate(item.expr, at));
        columns.push({
          name: item.name,
          key: `c${index}`,
          type: typeOf(rows, item.expr, datePaths),
        });
      });
      this.orderKeys(ast, items, translator, project, sortKeys, at);
    }
    stages.push({ $project: project });
    if (isNode(ast.distinct) && ast.distinct.type === 'DISTINCT') {
      if (sortKeys.some(([key]) => key.startsWith('s'))) {
        throw SqlErrors.invalid('with SELECT DISTINCT, ORDER BY uses selected columns only', at);
      }
      const key = Object.fromEntries(columns.map((column) => [column.key, `$${column.key}`]));
      stages.push({ $group: { _id: key } }, { $replaceWith: '$_id' });
    }
    if (sortKeys.length > 0) {
      stages.push({ $sort: Object.fromEntries(sortKeys) });
    }
    const { limit, offset } = this.limits(ast, at);
    if (offset > 0) {
      stages.push({ $skip: offset });
    }
    const cap = top ? this.context.maxRows + 1 : undefined;
    const effective = limit === undefined ? cap : cap === undefined ? limit : Math.min(limit, cap);
    if (effective !== undefined) {
      stages.push({ $limit: effective });
    }
    if (sortKeys.some(([key]) => key.startsWith('s'))) {
      stages.push({ $unset: sortKeys.map(([key]) => key).filter((key) => key.startsWith('s')) });
    }
    return { collection: base.collection, stages, columns };
  }

  private relationFor(item: SqlNode, ctes: ReadonlyMap<string, Relation>): Relation {
    const named =
      isNode(item.expr) && item.expr.type === 'function'
        ? functionName(item.expr)
        : str(item.table);
    const at = this.context.point(locationOf(item)) ?? this.context.locate(named);
    if (isNode(item.expr) && isNode(item.expr.ast)) {
      return this.translate(item.expr.ast, ctes);
    }
    let name: string;
    let called = false;
    if (isNode(item.expr) && item.expr.type === 'function') {
      name = functionName(item.expr);
      called = true;
      if (functionArgs(item.expr).length > 0) {
        throw SqlErrors.invalid(`${name}() takes no arguments; filter with WHERE`, at);
      }
    } else if (typeof item.table === 'string') {
      name = item.table;
      if (item.db || item.schema) {
        throw SqlErrors.unknownTable(
          `${str(item.db) || str(item.schema)}.${name}`,
          at,
          knownTables(),
        );
      }
    } else {
      throw SqlErrors.unsupported('this FROM item', at);
    }
    const lower = name.toLowerCase();
    const cte = called ? undefined : ctes.get(lower);
    if (cte) {
      return cte;
    }
    const table = findTable(lower);
    if (table) {
      return {
        collection: table.collection,
        stages: tableRowStages(table, this.context, this.context.services),
        columns: table.columns.map((column) => ({
          name: column.name,
          key: column.name,
          type: column.type,
        })),
        ...(table.dynamicColumns ? { dynamicColumns: table.dynamicColumns } : {}),
      };
    }
    const view = called ? undefined : this.context.view(lower);
    if (view) {
      if (this.depth >= MAX_VIEW_DEPTH) {
        throw SqlErrors.invalid(
          `views nest more than ${MAX_VIEW_DEPTH} deep (a view reading itself?)`,
          at,
        );
      }
      this.depth += 1;
      try {
        return this.translate(view, new Map());
      } finally {
        this.depth -= 1;
      }
    }
    throw SqlErrors.unknownTable(name, at, knownTables());
  }

  private join(
    item: SqlNode,
    ctes: ReadonlyMap<string, Relation>,
    entries: ScopeEntry[],
    datePaths: Set<string>,
  ): Stage[] {
    const at = this.context.point(locationOf(item));
    const kind = (str(item.join) || 'CROSS JOIN').toUpperCase();
    if (!['JOIN', 'INNER JOIN', 'LEFT JOIN', 'LEFT OUTER JOIN', 'CROSS JOIN'].includes(kind)) {
      throw SqlErrors.unsupported(`${kind} (use JOIN, LEFT JOIN or CROSS JOIN)`, at);
    }
    const relation = this.relationFor(item, ctes);
    const key = `t${entries.length}`;
    const entry: ScopeEntry = { alias: aliasOf(item), key, relation };
    if (entries.some((other) => other.alias === entry.alias)) {
      throw SqlErrors.invalid(`the table alias ${entry.alias} is used twice`, at);
    }
    const outer = new Set(entries.map((other) => other.key));
    const scope = this.rowScope([...entries, entry], datePaths, outer);
    const translator = new ExpressionTranslator(scope);
    let on: unknown;
    if (isNode(item.on)) {
      on = translator.translate(item.on, at);
    } else if (Array.isArray(item.using)) {
      on = {
        $and: item.using.map((column) => {
          const name = (text(column) ?? '').toLowerCase();
          const ref = { type: 'column_ref', column: name };
          return {
            $eq: [
              this.rowScope(entries, datePaths, outer).column({ ...ref, table: null }, at),
              scope.column({ ...ref, table: entry.alias }, at),
            ],
          };
        }),
      };
    }
    const lets = Object.fromEntries(entries.map((other) => [other.key, `$${other.key}`]));
    entries.push(entry);
    return [
      {
        $lookup: {
          from: relation.collection,
          let: lets,
          pipeline: [
            ...relation.stages,
            { $replaceWith: { [key]: '$$ROOT' } },
            ...(on === undefined ? [] : [{ $match: { $expr: on } }]),
          ],
          as: '__join',
        },
      },
      { $unwind: { path: '$__join', preserveNullAndEmptyArrays: kind.startsWith('LEFT') } },
      { $set: { [key]: `$__join.${key}` } },
      { $unset: '__join' },
    ];
  }

  /** Column references over the FROM items; `outer` ones are `$$` variables inside a join. */
  private rowScope(
    entries: readonly ScopeEntry[],
    datePaths: Set<string>,
    outer: ReadonlySet<string> = new Set(),
  ): ExpressionScope {
    return {
      now: this.context.now,
      params: this.context.params,
      point: (inner) => this.context.point(inner),
      isDate: (expression) => typeof expression === 'string' && datePaths.has(expression),
      column: (node, at) => {
        const name = columnName(node);
        const table = typeof node.table === 'string' ? node.table.toLowerCase() : undefined;
        const candidates = entries.filter(
          (entry) =>
            (table === undefined || entry.alias === table) &&
            entry.relation.columns.some((column) => column.name === name),
        );
        if (table !== undefined && !entries.some((entry) => entry.alias === table)) {
          throw SqlErrors.invalid(`unknown table or alias ${table} (in ${table}.${name})`, at);
        }
        if (candidates.length === 0) {
          const raw = text(node.column) ?? '';
          const dynamic = entries.filter(
            (entry) =>
              (table === undefined || entry.alias === table) && entry.relation.dynamicColumns,
          );
          if (dynamic.length === 1 && DYNAMIC_COLUMN.test(raw)) {
            const [entry] = dynamic;
            return `${outer.has(entry.key) ? '$$' : '$'}${entry.key}.${entry.relation.dynamicColumns}.${raw}`;
          }
          const known = entries
            .filter((entry) => table === undefined || entry.alias === table)
            .flatMap((entry) => entry.relation.columns.map((column) => column.name));
          throw SqlErrors.invalid(
            `unknown column ${table ? `${table}.` : ''}${name}; the columns are ${[...new Set(known)].join(', ')}`,
            at,
          );
        }
        if (candidates.length > 1) {
          throw SqlErrors.invalid(
            `the column ${name} is ambiguous: name its table (e.g. ${candidates[0].alias}.${name})`,
            at,
          );
        }
        const [entry] = candidates;
        const column = entry.relation.columns.find((c) => c.name === name) as RelationColumn;
        const path = `${outer.has(entry.key) ? '$$' : '$'}${entry.key}.${column.key}`;
        if (column.type === 'date') {
          datePaths.add(path);
        }
        return path;
      },
    };
  }

  private selectItems(ast: SqlNode, entries: readonly ScopeEntry[]): SelectItem[] {
    const items: SelectItem[] = [];
    const columns = ast.columns;
    const list =
      columns === '*'
        ? [{ expr: { type: 'column_ref', table: null, column: '*' } }]
        : nodes(columns);
    for (const item of list) {
      const expr = item.expr as SqlNode;
      if (
        isNode(expr) &&
        expr.type === 'column_ref' &&
        (expr.column === '*' || text(expr.column) === '*')
      ) {
        const table = typeof expr.table === 'string' ? expr.table.toLowerCase() : undefined;
        const chosen = entries.filter((entry) => table === undefined || entry.alias === table);
        if (chosen.length === 0) {
          throw SqlErrors.invalid(
            `unknown table or alias ${table ?? ''}`,
            this.context.point(locationOf(expr)),
          );
        }
        for (const entry of chosen) {
          for (const column of entry.relation.columns) {
            items.push({
              name: column.name,
              expr: { type: 'column_ref', table: entry.alias, column: column.name },
            });
          }
        }
        continue;
      }
      const alias = typeof item.as === 'string' ? item.as : text(item.as);
      items.push({
        name: alias ?? (expr.type === 'column_ref' ? columnName(expr) : expressionText(expr)),
        expr,
      });
    }
    return items;
  }

  /** GROUP BY items: expressions, select positions (`GROUP BY 1`) or select aliases. */
  private groupExpressions(
    ast: SqlNode,
    items: SelectItem[],
    entries: readonly ScopeEntry[],
  ): SqlNode[] {
    const groupby = isNode(ast.groupby) ? nodes(ast.groupby.columns) : nodes(ast.groupby);
    return groupby.map((node) => {
      if (node.type === 'number') {
        const item = items[Number(node.value) - 1];
        if (!item) {
          throw SqlErrors.invalid(
            `GROUP BY ${str(node.value)}: there is no such select column`,
            this.context.point(locationOf(node)),
          );
        }
        return item.expr;
      }
      return this.aliasTarget(node, items, entries) ?? node;
    });
  }

  /** A bare name that is a select alias and no table column stands for that select expression. */
  private aliasTarget(
    node: SqlNode,
    items: SelectItem[],
    entries: readonly ScopeEntry[],
  ): SqlNode | undefined {
    if (node.type !== 'column_ref' || (typeof node.table === 'string' && node.table)) {
      return undefined;
    }
    const name = columnName(node);
    const isColumn = entries.some((entry) =>
      entry.relation.columns.some((column) => column.name === name),
    );
    const item = items.find((candidate) => candidate.name.toLowerCase() === name);
    return !isColumn && item && item.expr !== node ? item.expr : undefined;
  }

  private outputAlias(
    node: SqlNode,
    items: SelectItem[],
    entries: readonly ScopeEntry[],
    rows: ExpressionTranslator,
  ): unknown {
    const target = this.aliasTarget(node, items, entries);
    return target ? rows.translate(target) : undefined;
  }

  private orderKeys(
    ast: SqlNode,
    items: SelectItem[],
    translator: ExpressionTranslator,
    project: Record<string, unknown>,
    sortKeys: [string, 1 | -1][],
    at: SqlPoint | undefined,
  ): void {
    nodes(ast.orderby).forEach((order, index) => {
      const direction = (str(order.type) || 'ASC').toUpperCase() === 'DESC' ? -1 : 1;
      const expr = order.expr as SqlNode;
      if (expr.type === 'number') {
        const position = Number(expr.value) - 1;
        if (!items[position]) {
          throw SqlErrors.invalid(
            `ORDER BY ${str(expr.value)}: there is no such select column`,
            at,
          );
        }
        sortKeys.push([`c${position}`, direction]);
        return;
      }
      if (expr.type === 'column_ref' && !expr.table) {
        const name = columnName(expr);
        const position = items.findIndex((item) => item.name.toLowerCase() === name);
        if (position >= 0) {
          sortKeys.push([`c${position}`, direction]);
          return;
        }
      }
      project[`s${index}`] = projected(translator.translate(expr, at));
      sortKeys.push([`s${index}`, direction]);
    });
  }

  private limits(ast: SqlNode, at: SqlPoint | undefined): { limit?: number; offset: number } {
    const limit = isNode(ast.limit) ? ast.limit : undefined;
    const values = nodes(limit?.value).map((node) => {
      const value = node.type === 'param' ? this.context.params[str(node.value)] : node.value;
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
        throw SqlErrors.invalid('LIMIT and OFFSET take whole numbers', at);
      }
      return value;
    });
    if (values.length === 0) {
      return { offset: 0 };
    }
    if (values.length === 1) {
      return { limit: values[0], offset: 0 };
    }
    return limit?.seperator === ','
      ? { offset: values[0], limit: values[1] }
      : { limit: values[0], offset: values[1] };
  }
}

interface SelectItem {
  name: string;
  expr: SqlNode;
}

/**
 * Grouping: each GROUP BY expression is a key of `_id`, each aggregate an accumulator; the
 * select, HAVING and ORDER BY expressions are rewritten over them.
 */
class GroupBuilder {
  private readonly keys: { json: string; expr: unknown }[];
  private readonly accumulators = new Map<
    string,
    { key: string; accumulator: unknown; empty: unknown }
  >();

  constructor(
    groupBy: SqlNode[],
    private readonly rows: ExpressionTranslator,
    private readonly rowScope: ExpressionScope,
  ) {
    this.keys = groupBy.map((node) => {
      if (containsAggregate(node)) {
        throw SqlErrors.invalid(
          'GROUP BY cannot group by an aggregate',
          rowScope.point(locationOf(node)),
        );
      }
      const expr = rows.translate(node);
      return { json: JSON.stringify(expr), expr };
    });
  }

  scope(items: SelectItem[]): ExpressionScope {
    return {
      ...this.rowScope,
      hook: (node, at) => {
        if (node.type === 'aggr_func') {
          return this.aggregate(node, at);
        }
        if (containsAggregate(node)) {
          return undefined;
        }
        if (node.type === 'column_ref' && !node.table) {
          const item = items.find((candidate) => candidate.name.toLowerCase() === columnName(node));
          if (item && item.expr !== node && !this.isTableColumn(node)) {
            return new ExpressionTranslator(this.scope(items)).translate(item.expr, at);
          }
        }
        if (
          node.type === 'number' ||
          str(node.type).includes('string') ||
          node.type === 'null' ||
          node.type === 'param'
        ) {
          return undefined;
        }
        const json = JSON.stringify(this.rows.translate(node, at));
        const index = this.keys.findIndex((key) => key.json === json);
        if (index >= 0) {
          return `$_id.g${index}`;
        }
        if (node.type === 'column_ref') {
          throw SqlErrors.invalid(
            `the column ${columnName(node)} must be in GROUP BY or inside an aggregate such as COUNT, SUM, AVG, MIN or MAX`,
            at,
          );
        }
        return undefined;
      },
      aggregate: (node, at) => this.aggregate(node, at),
    };
  }

  private isTableColumn(node: SqlNode): boolean {
    try {
      this.rowScope.column(node, undefined);
      return true;
    } catch {
      return false;
    }
  }

  private aggregate(node: SqlNode, at: SqlPoint | undefined): unknown {
    const name = str(node.name).toUpperCase();
    if (!AGGREGATE_FUNCTIONS.has(name) || node.over) {
      throw SqlErrors.unsupported(`the aggregate ${name}${node.over ? ' OVER (...)' : ''}`, at);
    }
    const args = isNode(node.args) ? node.args : {};
    const distinct = str(args.distinct).toUpperCase() === 'DISTINCT';
    const argument = args.expr as SqlNode | undefined;
    const star = !argument || argument.type === 'star' || argument.column === '*';
    if (argument && containsAggregate(argument)) {
      throw SqlErrors.invalid('aggregates cannot be nested', at);
    }
    const value = star ? undefined : this.rows.translate(argument, at);
    const filter =
      isNode(node.filter) && isNode(node.filter.where)
        ? this.rows.translate(node.filter.where, at)
        : undefined;
    const when = (expr: unknown, otherwise: unknown) =>
      filter === undefined ? expr : { $cond: [filter, expr, otherwise] };
    let accumulator: unknown;
    let empty: unknown = null;
    let wrap = (ref: string): unknown => ref;
    if (name === 'COUNT') {
      empty = 0;
      if (distinct) {
        accumulator = { $addToSet: when(value, '$$REMOVE') };
        empty = [];
        wrap = (ref) => ({ $size: { $filter: { input: ref, cond: { $ne: ['$$this', null] } } } });
      } else {
        const counted = star ? 1 : { $cond: [{ $eq: [{ $ifNull: [value, null] }, null] }, 0, 1] };
        accumulator = { $sum: when(counted, 0) };
      }
    } else {
      if (distinct) {
        throw SqlErrors.unsupported(`${name}(DISTINCT ...)`, at);
      }
      if (star) {
        throw SqlErrors.invalid(`${name}(*) is not valid; name a column`, at);
      }
      const operator = { SUM: '$sum', AVG: '$avg', MIN: '$min', MAX: '$max' }[name] as string;
      accumulator = { [operator]: when(value, null) };
      empty = name === 'SUM' ? 0 : null;
    }
    const json = JSON.stringify(accumulator);
    let entry = this.accumulators.get(json);
    if (!entry) {
      entry = { key: `a${this.accumulators.size}`, accumulator, empty };
      this.accumulators.set(json, entry);
    }
    return wrap(`$${entry.key}`);
  }

  /** `$group`; without GROUP BY, one row even over no input (COUNT(*) = 0), as SQL answers. */
  stages(): Stage[] {
    const group: Record<string, unknown> = {
      _id:
        this.keys.length === 0
          ? null
          : Object.fromEntries(this.keys.map((key, i) => [`g${i}`, key.expr])),
    };
    for (const { key, accumulator } of this.accumulators.values()) {
      group[key] = accumulator;
    }
    if (this.keys.length > 0) {
      return [{ $group: group }];
    }
    const empty: Record<string, unknown> = { _id: null };
    for (const { key, empty: value } of this.accumulators.values()) {
      empty[key] = value;
    }
    return [
      { $group: group },
      { $facet: { rows: [] } },
      { $replaceWith: { $ifNull: [{ $first: '$rows' }, literal(empty)] } },
    ];
  }
}

function aliasOf(item: SqlNode): string {
  const alias = typeof item.as === 'string' ? item.as : undefined;
  // node-sql-parser reads `a CROSS JOIN b` as `a AS cross JOIN b` (a join without ON): the same
  // rows, so the keyword is simply not taken as an alias.
  if (alias && alias.toLowerCase() !== 'cross') {
    return alias.toLowerCase();
  }
  if (typeof item.table === 'string') {
    return item.table.toLowerCase();
  }
  if (isNode(item.expr) && item.expr.type === 'function') {
    return functionName(item.expr).toLowerCase();
  }
  return 'subquery';
}

/** $project reads 0, 1, true and false as exclusion and inclusion: constants go in $literal. */
function projected(expression: unknown): unknown {
  return expression === null || typeof expression !== 'object'
    ? typeof expression === 'string'
      ? expression
      : literal(expression)
    : expression;
}

function typeOf(
  rows: ExpressionTranslator,
  expr: SqlNode,
  datePaths: Set<string>,
): ColumnType | 'unknown' {
  if (expr.type !== 'column_ref') {
    return expr.type === 'function' &&
      ['NOW', 'DATE_SUB', 'DATE_ADD', 'DATE_TRUNC', 'DATE'].includes(functionName(expr))
      ? 'date'
      : 'unknown';
  }
  try {
    const path = rows.translate(expr);
    return typeof path === 'string' && datePaths.has(path) ? 'date' : 'unknown';
  } catch {
    return 'unknown';
  }
}
