import type { BenchResult } from './suite.js';

function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const magnitude = Math.abs(value);
  if (magnitude !== 0 && (magnitude >= 1e6 || magnitude < 1e-3)) return value.toExponential(3);
  return Number(value.toPrecision(4)).toLocaleString('en-US', { maximumFractionDigits: 6 });
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** The human form of a result: measurements, then ratios, then notes. */
export function formatResult(result: BenchResult): string {
  const parts = [`suite: ${result.suite}`, ''];
  if (result.measurements.length > 0) {
    parts.push(
      table(
        ['measurement', 'subject', 'value', 'unit'],
        result.measurements.map((m) => [m.name, m.subject, formatNumber(m.value), m.unit]),
      ),
      '',
    );
  }
  const ratios = Object.entries(result.ratios);
  if (ratios.length > 0) {
    parts.push(
      table(
        ['ratio', 'value'],
        ratios.map(([name, value]) => [name, formatNumber(value)]),
      ),
      '',
    );
  }
  for (const note of result.notes) parts.push(`note: ${note}`);
  return parts.join('\n').trimEnd() + '\n';
}
