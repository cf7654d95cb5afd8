import { DomainError, type ErrorDetail } from '@app/relay';

/** Where in the script something went wrong (1-based). */
export interface SqlPoint {
  line: number;
  column: number;
}

function at(point: SqlPoint | undefined): string {
  return point ? ` at line ${point.line}, column ${point.column}` : '';
}

function detail(field: string, reason: string, point: SqlPoint | undefined): ErrorDetail {
  return { field, reason: `${reason}${at(point)}` };
}

/** The domain errors of the SQL interface; mapped to HTTP and GraphQL in src/common/errors. */
export const SqlErrors = {
  syntax: (message: string, point: SqlPoint) =>
    new DomainError('BAD_INPUT', `Syntax error${at(point)}: ${message}`, [
      detail('sql', `syntax error: ${message}`, point),
    ]),

  invalid: (reason: string, point?: SqlPoint, field = 'sql') =>
    new DomainError('BAD_INPUT', `${reason}${at(point)}`, [detail(field, reason, point)]),

  unknownOption: (name: string, point: SqlPoint, suggestion: string | undefined) => {
    const hint = suggestion ? `; did you mean "${suggestion}"?` : '';
    return new DomainError('BAD_INPUT', `Unknown option "${name}"${at(point)}${hint}`, [
      { field: name, reason: `unknown option${at(point)}${hint}` },
    ]);
  },

  badOption: (name: string, reason: string, point: SqlPoint) =>
    new DomainError('BAD_INPUT', `Option ${name}: ${reason}${at(point)}`, [
      detail(name, reason, point),
    ]),

  unknownTable: (name: string, point: SqlPoint | undefined, known: readonly string[]) =>
    new DomainError(
      'BAD_INPUT',
      `Unknown table "${name}"${at(point)}; the tables are ${known.join(', ')}`,
      [detail('sql', `unknown table ${name}`, point)],
    ),

  unsupported: (what: string, point?: SqlPoint) =>
    new DomainError('BAD_INPUT', `${what} is not supported${at(point)}`, [
      detail('sql', `${what} is not supported`, point),
    ]),

  viewNotFound: (name: string) =>
    new DomainError('NOT_FOUND', `View "${name}" does not exist`, [
      { field: 'name', reason: 'no view has this name' },
    ]),

  viewExists: (name: string) =>
    new DomainError('CONFLICT', `View "${name}" already exists`, [
      { field: 'name', reason: 'a view has this name' },
    ]),

  queryTimeout: (ms: number) =>
    new DomainError(
      'BAD_INPUT',
      `The query ran longer than ${ms} ms and was stopped; narrow it with WHERE or LIMIT`,
      [{ field: 'sql', reason: `ran longer than ${ms} ms` }],
    ),
};
