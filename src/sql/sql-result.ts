/** What one statement returns (REST and GraphQL alike). */
export interface SqlStatementResult {
  /** What ran: select, create_subscription, alter_subscription, show_create, ... */
  kind: string;
  columns: string[];
  /** One array per row, in the order of `columns`. */
  rows: unknown[][];
  /** Subscriptions or views written (0 for reads). */
  affected: number;
  notices: string[];
}

export function result(
  kind: string,
  columns: string[],
  rows: unknown[][],
  affected = 0,
  notices: string[] = [],
): SqlStatementResult {
  return { kind, columns, rows, affected, notices };
}
