import { Parser } from 'node-sql-parser';
import type { SqlLocation, SqlPosition } from '../parser/sql-script.parser';
import { SqlErrors } from '../sql.errors';

/**
 * node-sql-parser's AST, read loosely: every node is an object with a `type`; the translator
 * checks each field it uses, so an unexpected shape is a "not supported" error, never a crash.
 */
export interface SqlNode {
  type?: string;
  [key: string]: unknown;
}

const parser = new Parser();

/** The dialect whose grammar accepts `FROM EVENT_SUBSCRIPTIONS()`, `INTERVAL 24 HOUR` and `:name`. */
const PARSE_OPTIONS = { database: 'postgresql', parseOptions: { includeLocations: true } };

/** A position inside the query text, moved to where the query starts in the script. */
export function scriptPosition(
  start: SqlPosition,
  inner: { line: number; column: number },
): SqlPosition {
  return {
    offset: 0,
    line: start.line + inner.line - 1,
    column: inner.line === 1 ? start.column + inner.column - 1 : inner.column,
  };
}

/** Parses one query statement; syntax errors name their line and column in the script. */
export function parseQuery(text: string, loc: SqlLocation): SqlNode {
  let ast: unknown;
  try {
    ast = parser.astify(text, PARSE_OPTIONS);
  } catch (error) {
    const location = (error as { location?: { start?: { line: number; column: number } } }).location
      ?.start;
    const message = error instanceof Error ? error.message : String(error);
    throw SqlErrors.syntax(message, location ? scriptPosition(loc.start, location) : loc.start);
  }
  const statements = Array.isArray(ast) ? (ast as SqlNode[]) : [ast as SqlNode];
  if (statements.length !== 1) {
    throw SqlErrors.invalid('one query per statement (separate statements with ;)', loc.start);
  }
  return statements[0];
}

/** SQL text of an expression, for naming an unnamed result column as MySQL does. */
export function expressionText(node: SqlNode): string {
  try {
    return parser.exprToSQL(node, { database: 'postgresql' }).replace(/"/g, '');
  } catch {
    return '?';
  }
}

/** A string field of a node ('' when it is not a string or a number). */
export function str(value: unknown): string {
  return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : '';
}

export function isNode(value: unknown): value is SqlNode {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

export function nodes(value: unknown): SqlNode[] {
  return Array.isArray(value) ? value.filter(isNode) : [];
}

export function text(value: unknown): string | undefined {
  if (typeof value === 'string') {
    return value;
  }
  if (isNode(value)) {
    if (typeof value.value === 'string') {
      return value.value;
    }
    if (isNode(value.expr)) {
      return text(value.expr);
    }
  }
  return undefined;
}

/** The name of a function node (`{name: {name: [{value}]}}`) in upper case. */
export function functionName(node: SqlNode): string {
  const name = node.name;
  if (typeof name === 'string') {
    return name.toUpperCase();
  }
  if (isNode(name)) {
    return nodes(name.name)
      .map((part) => text(part) ?? '')
      .join('.')
      .toUpperCase();
  }
  return '';
}

export function functionArgs(node: SqlNode): SqlNode[] {
  const args = node.args;
  if (isNode(args)) {
    return nodes(args.value);
  }
  return [];
}

/** The column name of a column_ref (`column` is a string or `{expr: {value}}`). */
export function columnName(node: SqlNode): string {
  return (text(node.column) ?? '').toLowerCase();
}

export function locationOf(
  node: SqlNode | undefined,
): { line: number; column: number } | undefined {
  const loc = node?.loc;
  if (isNode(loc) && isNode(loc.start)) {
    const { line, column } = loc.start;
    if (typeof line === 'number' && typeof column === 'number') {
      return { line, column };
    }
  }
  return undefined;
}
