/** One statement's result as the API returns it. */
export interface SqlResultBody {
  kind: string;
  columns: string[];
  rows: unknown[][];
  affected: number;
  notices: string[];
}

const MAX_CELL = 120;

function cell(value: unknown): string {
  if (value === null || value === undefined) {
    return 'NULL';
  }
  const text =
    typeof value === 'string'
      ? value
      : typeof value === 'number' || typeof value === 'boolean'
        ? String(value)
        : JSON.stringify(value);
  return text.length > MAX_CELL ? `${text.slice(0, MAX_CELL - 1)}…` : text;
}

/**
 * A result as the mysql client prints it: a boxed table, the row count, then the notices.
 * Multi-line values (SHOW CREATE) are printed as they are, below the table's other columns.
 */
export function formatResult(result: SqlResultBody): string {
  const lines: string[] = [];
  if (result.columns.length > 0) {
    const multiline =
      result.rows.length === 1 &&
      result.rows[0].some((v) => typeof v === 'string' && v.includes('\n'));
    if (multiline) {
      result.columns.forEach((column, i) => {
        const value = result.rows[0][i];
        lines.push(`${column}:`, typeof value === 'string' ? value : cell(value));
      });
    } else {
      const cells = result.rows.map((row) => row.map(cell));
      const widths = result.columns.map((column, i) =>
        Math.max(column.length, ...cells.map((row) => row[i]?.length ?? 0)),
      );
      const border = `+${widths.map((w) => '-'.repeat(w + 2)).join('+')}+`;
      const line = (values: string[]) =>
        `| ${values.map((value, i) => value.padEnd(widths[i])).join(' | ')} |`;
      lines.push(border, line(result.columns), border, ...cells.map(line), border);
    }
    lines.push(`${result.rows.length} row${result.rows.length === 1 ? '' : 's'}`);
  } else {
    lines.push(`OK, ${result.affected} affected (${result.kind})`);
  }
  for (const notice of result.notices) {
    lines.push(`Note: ${notice}`);
  }
  return lines.join('\n');
}

/** Whether the text typed so far ends a statement (a `;` outside strings and comments). */
export function isComplete(text: string): boolean {
  let quote: string | undefined;
  let lastSignificant = '';
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (quote) {
      if (char === quote) {
        quote = undefined;
      }
      continue;
    }
    if (char === "'" || char === '"' || char === '`') {
      quote = char;
    } else if (char === '-' && text[i + 1] === '-') {
      const end = text.indexOf('\n', i);
      i = end === -1 ? text.length : end;
      continue;
    } else if (char === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      if (end === -1) {
        return false;
      }
      i = end + 1;
      continue;
    }
    if (!/\s/.test(char)) {
      lastSignificant = char;
    }
  }
  return !quote && lastSignificant === ';';
}
