/**
 * Child process of the features suite: the offline (DuckDB SQL) feature path over one transactions file, in
 * a fresh process so that its peak RSS is the feature pipeline's alone. Prints one JSON object on stdout.
 *
 *   node features-worker.js <transactions.parquet|.csv>
 */
import { baselineFeatureSpec, computeFeatures } from '@fraudops/features';
import { DuckDbSqlEngine } from '@fraudops/features-sql';
import { errorMessage } from '@fraudops/core';

const KIB_PER_MIB = 1024; // resourceUsage().maxRSS is in KiB

async function main(): Promise<void> {
  const input = process.argv[2];
  if (!input) throw new Error('usage: features-worker.js <transactions file>');
  const started = performance.now();
  const startedCpu = process.cpuUsage();
  const engine = await DuckDbSqlEngine.open();
  try {
    const source = await engine.registerFile('transactions', input);
    const table = await computeFeatures(engine, baselineFeatureSpec, {
      source: 'transactions',
      labelled: source.labelled,
    });
    const seconds = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(startedCpu);
    // a checksum, so that nothing can skip the work
    let checksum = 0;
    for (const value of table.matrix.values) checksum += value;
    process.stdout.write(
      `${JSON.stringify({
        rows: table.rowCount,
        seconds,
        cpuSeconds: (cpu.user + cpu.system) / 1e6,
        peakRssMib: process.resourceUsage().maxRSS / KIB_PER_MIB,
        checksum,
      })}\n`,
    );
  } finally {
    await engine.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${errorMessage(error, { stack: true })}\n`);
  process.exitCode = 1;
});
