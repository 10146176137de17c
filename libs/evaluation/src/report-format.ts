/** Formats a metric value: 4 significant decimals, no exponent for everyday magnitudes. */
export function formatValue(value: number): string {
  if (value === 0) return '0';
  const magnitude = Math.abs(value);
  if (magnitude >= 1e6 || magnitude < 1e-4) return value.toExponential(3);
  return Number(value.toPrecision(4)).toString();
}
