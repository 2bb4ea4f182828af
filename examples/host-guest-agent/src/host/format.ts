/** Human-readable sizes, durations and times for the host's report. */

/** 1536 -> `1.5 KiB`. */
export function bytes(count: number | bigint): string {
  let value = Number(count);
  for (const unit of ['B', 'KiB', 'MiB', 'GiB']) {
    if (value < 1024 || unit === 'GiB') return unit === 'B' ? `${value} B` : `${value.toFixed(1)} ${unit}`;
    value /= 1024;
  }
  return `${value} B`;
}

/** 93784 -> `1 d 2 h 3 min`; under a minute, seconds. */
export function duration(totalSeconds: number): string {
  if (totalSeconds < 60) return `${totalSeconds.toFixed(1)} s`;
  const parts: string[] = [];
  let rest = Math.floor(totalSeconds / 60);
  const days = Math.floor(rest / 1440);
  rest -= days * 1440;
  const hours = Math.floor(rest / 60);
  if (days > 0) parts.push(`${days} d`);
  if (hours > 0) parts.push(`${hours} h`);
  parts.push(`${rest - hours * 60} min`);
  return parts.join(' ');
}

/** The time of day, `HH:MM:SS`. */
export function clock(date: Date): string {
  return date.toTimeString().slice(0, 8);
}
