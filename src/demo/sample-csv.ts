/**
 * Realistic contact CSVs for the demo and the benchmarks: Indian, UK and US numbers, some written
 * locally ("098200 12345", read with default_country IN), tags for segments, and — when asked — a few
 * rows with the mistakes real exports have.
 */
import { FIRST_NAMES as FIRST, LAST_NAMES as LAST } from '../sandbox/seed.js';

export interface SampleCsv {
  csv: string;
  rows: number;
  invalidRows: number;
}

export function generateContactsCsv(
  rows: number,
  options: { invalidEvery?: number; offset?: number } = {},
): SampleCsv {
  const lines = ['phone_number,name,tags'];
  let invalidRows = 0;
  for (let i = 0; i < rows; i++) {
    const n = i + (options.offset ?? 0);
    const name = `${FIRST[n % FIRST.length]} ${LAST[Math.floor(n / FIRST.length) % LAST.length]}`;
    const tags = [
      n % 5 < 2 ? 'mumbai-fair' : null,
      n % 3 === 0 ? 'newsletter' : null,
      n % 50 === 0 ? 'vip' : null,
    ]
      .filter(Boolean)
      .join(',');
    if (options.invalidEvery && i % options.invalidEvery === options.invalidEvery - 1) {
      invalidRows++;
      lines.push(i % 2 ? `12345,${name},"${tags}"` : `+9198${String(n).padStart(8, '0')},,"${tags}"`);
      continue;
    }
    lines.push(`${phoneFor(n)},"${name}","${tags}"`);
  }
  return { csv: `${lines.join('\n')}\n`, rows, invalidRows };
}

/** Valid numbers, unique for n below ten million: mostly Indian mobiles (a tenth written locally), some UK and US. */
function phoneFor(n: number): string {
  const digits = String(n).padStart(8, '0');
  if (n % 10 === 7) return `+4479${digits}`;
  if (n % 10 === 8) return `+1212${200 + (Math.floor(n / 10_000) % 700)}${digits.slice(-4)}`;
  if (n % 10 === 9) return `098${digits.slice(0, 3)} ${digits.slice(3)}`;
  return `+9198${digits}`;
}
