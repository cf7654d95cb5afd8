import type { SqlPoint } from '../sql.errors';
import { SqlErrors } from '../sql.errors';
import {
  columnName,
  functionArgs,
  functionName,
  isNode,
  locationOf,
  nodes,
  str,
  text,
  type SqlNode,
} from './sql-ast';

/** How the translator reaches what an expression refers to; set by the select translator. */
export interface ExpressionScope {
  /** The aggregation path (or expression) of a column reference. */
  column(node: SqlNode, at: SqlPoint | undefined): unknown;
  /** Called first on every node: a value replaces the node's translation (grouping, aliases). */
  hook?(node: SqlNode, at: SqlPoint | undefined): unknown;
  /** Aggregates are only valid where the select translator allows them. */
  aggregate?(node: SqlNode, at: SqlPoint | undefined): unknown;
  /** Whether a translated expression is a date column (string literals compared with it become dates). */
  isDate?(expression: unknown): boolean;
  now: Date;
  params: Readonly<Record<string, unknown>>;
  /** Where the query text starts in the script, to report positions in script terms. */
  point(inner: { line: number; column: number } | undefined): SqlPoint | undefined;
}

const DATE_UNITS: Record<string, string> = {
  microsecond: 'millisecond',
  millisecond: 'millisecond',
  second: 'second',
  minute: 'minute',
  hour: 'hour',
  day: 'day',
  week: 'week',
  month: 'month',
  quarter: 'quarter',
  year: 'year',
};

const UNIT_MS: Record<string, number> = {
  millisecond: 1,
  second: 1_000,
  minute: 60_000,
  hour: 3_600_000,
  day: 86_400_000,
  week: 604_800_000,
};

/** MySQL DATE_FORMAT specifiers and their $dateToString equivalents. */
const DATE_FORMAT: Record<string, string> = {
  Y: '%Y',
  m: '%m',
  d: '%d',
  H: '%H',
  i: '%M',
  s: '%S',
  S: '%S',
  f: '%L',
  j: '%j',
  w: '%w',
  u: '%V',
  '%': '%%',
};

const COMPARISONS: Record<string, string> = {
  '=': '$eq',
  '!=': '$ne',
  '<>': '$ne',
  '<': '$lt',
  '<=': '$lte',
  '>': '$gt',
  '>=': '$gte',
};

const ARITHMETIC: Record<string, string> = {
  '+': '$add',
  '-': '$subtract',
  '*': '$multiply',
  '%': '$mod',
};

export const AGGREGATE_FUNCTIONS = new Set(['COUNT', 'SUM', 'AVG', 'MIN', 'MAX']);

/** A literal that MongoDB never reads as a field path or an operator. */
export function literal(value: unknown): unknown {
  return { $literal: value };
}

/** Whether an expression contains an aggregate call (outside subqueries). */
export function containsAggregate(node: unknown): boolean {
  if (Array.isArray(node)) {
    return node.some(containsAggregate);
  }
  if (!isNode(node)) {
    return false;
  }
  if (node.type === 'aggr_func') {
    return true;
  }
  if (node.type === 'select' || isNode(node.ast)) {
    return false;
  }
  return Object.entries(node).some(([key, value]) => key !== 'loc' && containsAggregate(value));
}

/** SQL expressions to aggregation expressions, over the rows a scope describes. */
export class ExpressionTranslator {
  constructor(private readonly scope: ExpressionScope) {}

  translate(node: SqlNode, outer?: SqlPoint): unknown {
    const at = this.scope.point(locationOf(node)) ?? outer;
    const hooked = this.scope.hook?.(node, at);
    if (hooked !== undefined) {
      return hooked;
    }
    switch (node.type) {
      case 'number':
        return typeof node.value === 'number' ? node.value : Number(node.value);
      case 'single_quote_string':
      case 'string':
      case 'natural_string':
      case 'var_string':
        return literal(str(node.value));
      case 'bool':
      case 'boolean':
        return literal(Boolean(node.value));
      case 'null':
        return null;
      case 'param':
        return this.param(node, at);
      case 'column_ref':
        if (node.column === '*') {
          throw SqlErrors.unsupported('* outside SELECT * and COUNT(*)', at);
        }
        return this.scope.column(node, at);
      case 'double_quote_string':
        // Quoted identifiers: "name" is a column, as in standard SQL.
        return this.scope.column({ type: 'column_ref', table: null, column: node.value }, at);
      case 'binary_expr':
        return this.binary(node, at);
      case 'unary_expr':
        return this.unary(node, at);
      case 'case':
        return this.caseExpression(node, at);
      case 'function':
        return this.call(node, at);
      case 'aggr_func':
        if (!this.scope.aggregate) {
          throw SqlErrors.invalid('aggregate functions are not allowed here', at);
        }
        return this.scope.aggregate(node, at);
      case 'cast':
        return this.cast(node, at);
      case 'interval':
        throw SqlErrors.invalid('an INTERVAL must be added to or subtracted from a date', at);
      case undefined:
      default:
        throw SqlErrors.unsupported(`the expression ${node.type ?? '?'}`, at);
    }
  }

  private param(node: SqlNode, at: SqlPoint | undefined): unknown {
    const name = str(node.value);
    if (!Object.prototype.hasOwnProperty.call(this.scope.params, name)) {
      throw SqlErrors.invalid(`no value for the parameter :${name} in params`, at);
    }
    const value = this.scope.params[name];
    if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(value)) {
      const date = new Date(value);
      if (!Number.isNaN(date.getTime())) {
        return literal(date);
      }
    }
    return literal(value);
  }

  private binary(node: SqlNode, at: SqlPoint | undefined): unknown {
    const operator = str(node.operator).toUpperCase();
    const left = node.left as SqlNode;
    const right = node.right as SqlNode;
    if (operator === 'AND' || operator === 'OR') {
      return {
        [operator === 'AND' ? '$and' : '$or']: [
          this.translate(left, at),
          this.translate(right, at),
        ],
      };
    }
    if ((operator === '+' || operator === '-') && isNode(right) && right.type === 'interval') {
      const { unit, amount } = this.interval(right, at);
      return {
        [operator === '+' ? '$dateAdd' : '$dateSubtract']: {
          startDate: this.translate(left, at),
          unit,
          amount,
        },
      };
    }
    if (operator in COMPARISONS) {
      const [a, b] = this.comparable(left, right, at);
      return nullSafe({ [COMPARISONS[operator]]: [a, b] }, a, b);
    }
    if (operator in ARITHMETIC) {
      return { [ARITHMETIC[operator]]: [this.translate(left, at), this.translate(right, at)] };
    }
    switch (operator) {
      case '/': {
        const divisor = this.translate(right, at);
        // SQL: division by zero is NULL, not an error.
        return {
          $cond: [
            { $in: [divisor, [0, null]] },
            null,
            { $divide: [this.translate(left, at), divisor] },
          ],
        };
      }
      case '||':
        return { $concat: [this.asString(left, at), this.asString(right, at)] };
      case 'LIKE':
      case 'NOT LIKE':
      case 'ILIKE':
      case 'NOT ILIKE': {
        const pattern = this.likePattern(right, at);
        const match = {
          $regexMatch: {
            input: { $ifNull: [this.asString(left, at), ''] },
            regex: pattern,
            options: operator.includes('ILIKE') ? 'is' : 's',
          },
        };
        return operator.startsWith('NOT') ? { $not: [match] } : match;
      }
      case 'IN':
      case 'NOT IN': {
        const list = this.list(right, at);
        const test = { $in: [this.translate(left, at), list] };
        return operator === 'NOT IN' ? { $not: [test] } : test;
      }
      case 'BETWEEN':
      case 'NOT BETWEEN': {
        const [low, high] = nodes(isNode(right) ? right.value : undefined);
        if (!low || !high) {
          throw SqlErrors.invalid('BETWEEN needs two bounds', at);
        }
        const [value, lower] = this.comparable(left, low, at);
        const [, upper] = this.comparable(left, high, at);
        const test = nullSafe(
          { $and: [{ $gte: [value, lower] }, { $lte: [value, upper] }] },
          value,
          lower,
          upper,
        );
        return operator === 'NOT BETWEEN' ? { $not: [test] } : test;
      }
      case 'IS':
      case 'IS NOT': {
        const value = { $ifNull: [this.translate(left, at), null] };
        const other = isNode(right) && right.type === 'null' ? null : this.translate(right, at);
        return { [operator === 'IS' ? '$eq' : '$ne']: [value, other] };
      }
      default:
        throw SqlErrors.unsupported(`the operator ${operator}`, at);
    }
  }

  /**
   * Both sides of a comparison; a string literal compared with a date becomes a date
   * (`minute >= '2025-01-31 12:00'`), as MySQL converts it.
   */
  private comparable(left: SqlNode, right: SqlNode, at: SqlPoint | undefined): [unknown, unknown] {
    const a = this.translate(left, at);
    const b = this.translate(right, at);
    return [this.dateIfString(a, b), this.dateIfString(b, a)];
  }

  private dateIfString(value: unknown, other: unknown): unknown {
    if (
      !isNode(value) ||
      typeof value.$literal !== 'string' ||
      !(looksLikeDate(other) || this.scope.isDate?.(other))
    ) {
      return value;
    }
    const date = new Date(
      value.$literal.includes('T') ? value.$literal : `${value.$literal.replace(' ', 'T')}Z`,
    );
    return Number.isNaN(date.getTime()) ? value : literal(date);
  }

  private unary(node: SqlNode, at: SqlPoint | undefined): unknown {
    const operator = str(node.operator).toUpperCase();
    const operand = this.translate(node.expr as SqlNode, at);
    switch (operator) {
      case 'NOT':
      case '!':
        return { $not: [operand] };
      case '-':
        return { $multiply: [-1, operand] };
      case '+':
        return operand;
      default:
        throw SqlErrors.unsupported(`the operator ${operator}`, at);
    }
  }

  private caseExpression(node: SqlNode, at: SqlPoint | undefined): unknown {
    const subject = isNode(node.expr) ? this.translate(node.expr, at) : undefined;
    const branches: { case: unknown; then: unknown }[] = [];
    let otherwise: unknown = null;
    for (const arg of nodes(node.args)) {
      if (arg.type === 'when') {
        const condition = this.translate(arg.cond as SqlNode, at);
        branches.push({
          case: subject === undefined ? condition : { $eq: [subject, condition] },
          then: this.translate(arg.result as SqlNode, at),
        });
      } else if (arg.type === 'else') {
        otherwise = this.translate(arg.result as SqlNode, at);
      }
    }
    if (branches.length === 0) {
      throw SqlErrors.invalid('CASE needs at least one WHEN', at);
    }
    return { $switch: { branches, default: otherwise } };
  }

  private cast(node: SqlNode, at: SqlPoint | undefined): unknown {
    const value = this.translate(node.expr as SqlNode, at);
    const target = nodes(node.target)[0];
    const type = str(target?.dataType).toUpperCase();
    if (/INT|BIGINT|SIGNED/.test(type)) {
      return { $toLong: value };
    }
    if (/DECIMAL|NUMERIC|FLOAT|DOUBLE|REAL/.test(type)) {
      return { $toDouble: value };
    }
    if (/CHAR|TEXT|STRING/.test(type)) {
      return { $toString: value };
    }
    if (/DATE|TIMESTAMP/.test(type)) {
      return { $toDate: value };
    }
    if (/BOOL/.test(type)) {
      return { $toBool: value };
    }
    throw SqlErrors.unsupported(`CAST to ${type}`, at);
  }

  private call(node: SqlNode, at: SqlPoint | undefined): unknown {
    const name = functionName(node);
    const args = functionArgs(node);
    const arg = (index: number) => {
      const item = args[index];
      if (!item) {
        throw SqlErrors.invalid(`${name} needs at least ${index + 1} argument(s)`, at);
      }
      return this.translate(item, at);
    };
    switch (name) {
      case 'NOW':
      case 'CURRENT_TIMESTAMP':
      case 'UTC_TIMESTAMP':
      case 'SYSDATE':
        return literal(this.scope.now);
      case 'DATE_SUB':
      case 'DATE_ADD':
      case 'SUBDATE':
      case 'ADDDATE': {
        const interval = args[1];
        if (!isNode(interval) || interval.type !== 'interval') {
          throw SqlErrors.invalid(`${name} takes a date and an INTERVAL n UNIT`, at);
        }
        const { unit, amount } = this.interval(interval, at);
        return {
          [name === 'DATE_SUB' || name === 'SUBDATE' ? '$dateSubtract' : '$dateAdd']: {
            startDate: arg(0),
            unit,
            amount,
          },
        };
      }
      case 'DATE_FORMAT':
        return { $dateToString: { date: arg(0), format: this.dateFormat(args[1], at) } };
      case 'TIMESTAMPDIFF':
        return this.timestampDiff(args, at);
      case 'DATE_TRUNC': {
        const unit = this.unitName(args[0], at);
        return { $dateTrunc: { date: arg(1), unit } };
      }
      case 'DATE':
        return { $dateTrunc: { date: arg(0), unit: 'day' } };
      case 'YEAR':
        return { $year: arg(0) };
      case 'MONTH':
        return { $month: arg(0) };
      case 'DAY':
      case 'DAYOFMONTH':
        return { $dayOfMonth: arg(0) };
      case 'HOUR':
        return { $hour: arg(0) };
      case 'MINUTE':
        return { $minute: arg(0) };
      case 'UNIX_TIMESTAMP':
        return args.length === 0
          ? Math.floor(this.scope.now.getTime() / 1000)
          : { $floor: { $divide: [{ $toLong: arg(0) }, 1000] } };
      case 'ROUND':
        return this.round(arg(0), args[1], at);
      case 'FLOOR':
        return { $floor: arg(0) };
      case 'CEIL':
      case 'CEILING':
        return { $ceil: arg(0) };
      case 'ABS':
        return { $abs: arg(0) };
      case 'SQRT':
        return { $sqrt: arg(0) };
      case 'POW':
      case 'POWER':
        return { $pow: [arg(0), arg(1)] };
      case 'MOD':
        return { $mod: [arg(0), arg(1)] };
      case 'GREATEST':
        return { $max: args.map((item) => this.translate(item, at)) };
      case 'LEAST':
        return { $min: args.map((item) => this.translate(item, at)) };
      case 'COALESCE':
      case 'IFNULL':
      case 'NVL': {
        if (args.length < 2) {
          throw SqlErrors.invalid(`${name} needs at least two arguments`, at);
        }
        return args
          .slice(0, -1)
          .reduceRight<unknown>(
            (fallback, item) => ({ $ifNull: [this.translate(item, at), fallback] }),
            arg(args.length - 1),
          );
      }
      case 'NULLIF':
        return { $cond: [{ $eq: [arg(0), arg(1)] }, null, arg(0)] };
      case 'IF':
      case 'IIF':
        return { $cond: [arg(0), arg(1), arg(2)] };
      case 'CONCAT':
        return { $concat: args.map((item) => this.asString(item, at)) };
      case 'LOWER':
      case 'LCASE':
        return { $toLower: arg(0) };
      case 'UPPER':
      case 'UCASE':
        return { $toUpper: arg(0) };
      case 'LENGTH':
      case 'CHAR_LENGTH':
        return { $strLenCP: { $ifNull: [this.asString(args[0], at), ''] } };
      case 'SUBSTRING':
      case 'SUBSTR':
        return {
          $substrCP: [
            this.asString(args[0], at),
            { $subtract: [arg(1), 1] },
            args.length > 2 ? arg(2) : 1_000_000,
          ],
        };
      default:
        throw SqlErrors.unsupported(`the function ${name}()`, at);
    }
  }

  /**
   * ROUND as MySQL (and JavaScript's Math.round, which the analytics use) rounds: halves away
   * from zero, where MongoDB's $round rounds halves to even.
   */
  private round(value: unknown, places: SqlNode | undefined, at: SqlPoint | undefined): unknown {
    const digits = places === undefined ? 0 : Number(places.value);
    if (places !== undefined && (places.type !== 'number' || !Number.isInteger(digits))) {
      throw SqlErrors.invalid('ROUND takes a whole number of decimal places', at);
    }
    const factor = 10 ** digits;
    const rounded = (x: unknown) => ({
      $divide: [{ $floor: { $add: [{ $multiply: [x, factor] }, 0.5] } }, factor],
    });
    return {
      $let: {
        vars: { x: { $ifNull: [value, null] } },
        in: {
          $switch: {
            branches: [
              { case: { $eq: ['$$x', null] }, then: null },
              { case: { $gte: ['$$x', 0] }, then: rounded('$$x') },
            ],
            default: { $multiply: [-1, rounded({ $multiply: [-1, '$$x'] })] },
          },
        },
      },
    };
  }

  private asString(node: SqlNode | undefined, at: SqlPoint | undefined): unknown {
    if (!node) {
      throw SqlErrors.invalid('a value is missing', at);
    }
    const value = this.translate(node, at);
    return isNode(value) && typeof value.$literal === 'string' ? value : { $toString: value };
  }

  private list(node: SqlNode, at: SqlPoint | undefined): unknown[] {
    if (!isNode(node) || node.type !== 'expr_list') {
      throw SqlErrors.unsupported('IN with a subquery', at);
    }
    return nodes(node.value).map((item) => this.translate(item, at));
  }

  private likePattern(node: SqlNode, at: SqlPoint | undefined): string {
    const pattern = node.type === 'param' ? this.scope.params[str(node.value)] : node.value;
    if (
      typeof pattern !== 'string' ||
      (node.type !== 'param' && !str(node.type).includes('string'))
    ) {
      throw SqlErrors.unsupported('LIKE with a pattern that is not a string literal', at);
    }
    return likeRegex(pattern);
  }

  /** `INTERVAL 24 HOUR` (MySQL) or `INTERVAL '24 hours'` (PostgreSQL). */
  private interval(node: SqlNode, at: SqlPoint | undefined): { unit: string; amount: unknown } {
    const expr = node.expr as SqlNode;
    let unitText = str(node.unit).toLowerCase();
    let amount: unknown;
    if (isNode(expr) && typeof expr.value === 'string' && unitText === '') {
      const match = /^\s*(-?\d+)\s*([a-z]+?)s?\s*$/i.exec(expr.value);
      if (!match) {
        throw SqlErrors.invalid(`cannot read the interval '${expr.value}'`, at);
      }
      amount = Number(match[1]);
      unitText = match[2].toLowerCase();
    } else {
      amount = this.translate(expr, at);
    }
    const unit = DATE_UNITS[unitText.replace(/s$/, '')];
    if (!unit) {
      throw SqlErrors.invalid(
        `unknown interval unit ${unitText || '?'}; use SECOND, MINUTE, HOUR, DAY, WEEK, MONTH or YEAR`,
        at,
      );
    }
    return { unit, amount };
  }

  private unitName(node: SqlNode | undefined, at: SqlPoint | undefined): string {
    const raw = node?.type === 'column_ref' ? columnName(node) : text(node);
    const unit = raw ? DATE_UNITS[raw.toLowerCase()] : undefined;
    if (!unit) {
      throw SqlErrors.invalid(`unknown time unit ${raw ?? '?'}`, at);
    }
    return unit;
  }

  /**
   * TIMESTAMPDIFF(unit, a, b): whole units from a to b, truncated as MySQL does (10:59 to 11:01
   * is 0 hours); months and years count calendar boundaries ($dateDiff).
   */
  private timestampDiff(args: SqlNode[], at: SqlPoint | undefined): unknown {
    if (args.length !== 3) {
      throw SqlErrors.invalid('TIMESTAMPDIFF takes a unit and two dates', at);
    }
    const unit = this.unitName(args[0], at);
    const start = this.translate(args[1], at);
    const end = this.translate(args[2], at);
    const ms = UNIT_MS[unit];
    if (ms === undefined) {
      return { $dateDiff: { startDate: start, endDate: end, unit } };
    }
    return { $trunc: [{ $divide: [{ $subtract: [end, start] }, ms] }, 0] };
  }

  private dateFormat(node: SqlNode | undefined, at: SqlPoint | undefined): string {
    const format = node && str(node.type).includes('string') ? str(node.value) : undefined;
    if (format === undefined) {
      throw SqlErrors.invalid('DATE_FORMAT takes a date and a format string', at);
    }
    return format.replace(/%(.)|%$/g, (whole: string, specifier: string | undefined) => {
      const mapped = specifier === undefined ? undefined : DATE_FORMAT[specifier];
      if (!mapped) {
        throw SqlErrors.unsupported(
          `the DATE_FORMAT specifier ${whole} (supported: ${Object.keys(DATE_FORMAT)
            .map((key) => `%${key}`)
            .join(' ')})`,
          at,
        );
      }
      return mapped;
    });
  }
}

/** SQL LIKE as a regular expression: % any run, _ one character, \\ escapes the next one. */
export function likeRegex(pattern: string): string {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i];
    if (char === '\\' && i + 1 < pattern.length) {
      i += 1;
      source += escapeRegex(pattern[i]);
    } else if (char === '%') {
      source += '.*';
    } else if (char === '_') {
      source += '.';
    } else {
      source += escapeRegex(char);
    }
  }
  return `^${source}$`;
}

function escapeRegex(char: string): string {
  return char.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/**
 * SQL compares NULL with nothing: a comparison with a NULL side is not true (MongoDB would
 * order null below every number, so `NULL < 95` would hold).
 */
function nullSafe(test: unknown, ...sides: unknown[]): unknown {
  const nullable = sides.filter((side) => !(isNode(side) && '$literal' in side) && side !== null);
  if (sides.includes(null)) {
    return false;
  }
  if (nullable.length === 0) {
    return test;
  }
  return {
    $cond: [
      { $or: nullable.map((side) => ({ $eq: [{ $ifNull: [side, null] }, null] })) },
      false,
      test,
    ],
  };
}

function looksLikeDate(expression: unknown): boolean {
  if (!isNode(expression)) {
    return false;
  }
  if (expression.$literal instanceof Date) {
    return true;
  }
  return ['$dateSubtract', '$dateAdd', '$dateTrunc', '$toDate'].some((key) => key in expression);
}
