export function formatMs(ms: number | null | undefined): string {
  if (ms == null) return '—';
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1_000).toFixed(1)} s`;
  if (ms < 3_600_000) return `${(ms / 60_000).toFixed(1)} min`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}

export function formatRate(value: number): string {
  return value >= 100 ? Math.round(value).toLocaleString('en') : value.toFixed(1);
}

/** A percentage the API computed (0–100). */
export function formatPercent(pct: number): string {
  return `${pct.toFixed(pct === 100 || pct === 0 ? 0 : 1)} %`;
}

export function formatCount(value: number): string {
  return value.toLocaleString('en');
}

export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  return new Date(iso).toLocaleString('en-GB', { hour12: false });
}

export function formatAgo(iso: string | null | undefined): string {
  if (!iso) return '—';
  const ms = Date.now() - new Date(iso).getTime();
  return ms < 1_000 ? 'just now' : `${formatMs(ms)} ago`;
}
