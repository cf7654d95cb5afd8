import { useMemo } from 'react';
import { Chart } from '../components/Chart';
import type { Trends } from '../types';

const BUCKET_MINUTES: Record<string, number> = { minute: 1, hour: 60, day: 1_440 };

/** Events per minute (received, delivered, failed attempts) of the trends' first series. */
export function EventsPerMinuteChart({ trends, title }: { trends: Trends; title: string }) {
  const { times, series } = useMemo(() => {
    const points = trends.series[0]?.points ?? [];
    const per = BUCKET_MINUTES[trends.bucket] ?? 1;
    const pick = (field: 'received' | 'delivered' | 'failedAttempts' | 'deadLettered') =>
      points.map((point) => point[field] / per);
    return {
      times: points.map((point) => new Date(point.at).getTime() / 1_000),
      series: [
        { label: 'received / min', values: pick('received'), color: '#3b82f6' },
        { label: 'delivered / min', values: pick('delivered'), color: '#10b981' },
        { label: 'failed attempts / min', values: pick('failedAttempts'), color: '#ef4444' },
        { label: 'dead-lettered / min', values: pick('deadLettered'), color: '#f59e0b' },
      ],
    };
  }, [trends]);
  return <Chart title={title} times={times} series={series} />;
}

export const RANGES = ['1h', '24h', '7d'] as const;

export function RangePicker({
  value,
  onChange,
}: {
  value: string;
  onChange: (range: string) => void;
}) {
  return (
    <div className="segmented" role="group" aria-label="Time range">
      {RANGES.map((range) => (
        <button
          key={range}
          type="button"
          aria-pressed={value === range}
          onClick={() => onChange(range)}
        >
          {range}
        </button>
      ))}
    </div>
  );
}
