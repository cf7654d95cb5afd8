import * as peggy from 'peggy';
import { SqlErrors } from '../sql.errors';
import { SQL_SCRIPT_GRAMMAR } from './sql-script.grammar';

/** A position in the script, 1-based like every SQL tool reports it. */
export interface SqlPosition {
  offset: number;
  line: number;
  column: number;
}

export interface SqlLocation {
  start: SqlPosition;
  end: SqlPosition;
}

export type SqlValue =
  | { type: 'string'; value: string; loc: SqlLocation }
  | { type: 'number'; value: number; loc: SqlLocation }
  | { type: 'boolean'; value: boolean; loc: SqlLocation }
  | { type: 'null'; value: null; loc: SqlLocation }
  | { type: 'array'; items: SqlValue[]; loc: SqlLocation }
  | { type: 'object'; items: SqlValue[]; loc: SqlLocation }
  | { type: 'param'; name: string; loc: SqlLocation }
  | { type: 'identifier'; value: string; loc: SqlLocation };

export interface SqlOption {
  name: string;
  nameLoc: SqlLocation;
  value: SqlValue;
  loc: SqlLocation;
}

export interface QueryStatement {
  kind: 'query';
  text: string;
  loc: SqlLocation;
}

export type SubscriptionAction = 'pause' | 'resume' | 'reset' | 'resync';

export type SqlStatement =
  | {
      kind: 'create_subscription';
      name: string;
      ifNotExists: boolean;
      options: SqlOption[];
      loc: SqlLocation;
    }
  | { kind: 'alter_subscription'; name: string; options: SqlOption[]; loc: SqlLocation }
  | { kind: 'drop_subscription'; name: string; ifExists: boolean; loc: SqlLocation }
  | { kind: 'subscription_action'; action: SubscriptionAction; name: string; loc: SqlLocation }
  | { kind: 'show_create'; name: string; loc: SqlLocation }
  | { kind: 'show_subscriptions'; like?: string; loc: SqlLocation }
  | {
      kind: 'create_view';
      name: string;
      orReplace: boolean;
      query: QueryStatement;
      loc: SqlLocation;
    }
  | { kind: 'drop_view'; name: string; ifExists: boolean; loc: SqlLocation }
  | { kind: 'show_views'; loc: SqlLocation }
  | QueryStatement;

/** Generated once, when the module loads: the grammar is a constant. */
const parser = peggy.generate(SQL_SCRIPT_GRAMMAR);

/** Longest script accepted, so a hostile body cannot keep the parser busy. */
export const MAX_SCRIPT_LENGTH = 100_000;

/** Splits a script into statements; a syntax error is a BAD_INPUT naming its line and column. */
export function parseSqlScript(sql: string): SqlStatement[] {
  if (sql.length > MAX_SCRIPT_LENGTH) {
    throw SqlErrors.invalid(`the script is longer than ${MAX_SCRIPT_LENGTH} characters`);
  }
  try {
    return parser.parse(sql) as SqlStatement[];
  } catch (error) {
    if (error instanceof parser.SyntaxError) {
      const { start } = error.location;
      throw SqlErrors.syntax(error.message, start);
    }
    throw error;
  }
}
