/**
 * Child process of the simulator suite: one simulation (and, with --io, a Parquet round trip) in a fresh
 * process, so that its peak RSS is the simulator's alone. Prints one JSON object on stdout.
 *
 *   node simulator-worker.js '{"customers":5000,...}' [--io <dir>]
 */
import { parseArgs } from 'node:util';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fingerprintTransactions, simulateTransactions, type SimulationParams } from '@fraudops/transactions';
import { readTransactions, writeTransactions } from '@fraudops/transactions-io';
import { errorMessage } from '@fraudops/core';

const MIB = 1024; // resourceUsage().maxRSS is in KiB

/** User + system seconds of every thread of the process (DuckDB's included). */
const cpuSeconds = (usage: NodeJS.CpuUsage) => (usage.user + usage.system) / 1e6;

async function main(): Promise<void> {
  const { positionals, values: flags } = parseArgs({ allowPositionals: true, options: { io: { type: 'boolean' } } });
  const params = JSON.parse(positionals[0] ?? '{}') as Partial<SimulationParams>;
  const withIo = flags.io === true;
  const started = performance.now();
  const startedCpu = process.cpuUsage();
  const tx = simulateTransactions(params);
  const simulateSeconds = (performance.now() - started) / 1000;
  const simulateCpuSeconds = cpuSeconds(process.cpuUsage(startedCpu));
  const simulatePeakRssMib = process.resourceUsage().maxRSS / MIB;
  const fingerprint = fingerprintTransactions(tx);
  const result: Record<string, unknown> = {
    rows: tx.length,
    simulateSeconds,
    simulateCpuSeconds,
    simulatePeakRssMib,
    fingerprint,
  };
  if (withIo) {
    const dir = await mkdtemp(join(tmpdir(), 'fraudops-bench-'));
    try {
      const path = join(dir, 'transactions.parquet');
      let t = performance.now();
      let cpuFrom = process.cpuUsage();
      const written = await writeTransactions(path, tx);
      result['parquetWriteSeconds'] = (performance.now() - t) / 1000;
      result['parquetWriteCpuSeconds'] = cpuSeconds(process.cpuUsage(cpuFrom));
      result['parquetBytes'] = written.bytes;
      t = performance.now();
      cpuFrom = process.cpuUsage();
      const read = await readTransactions(path);
      result['parquetReadSeconds'] = (performance.now() - t) / 1000;
      result['parquetReadCpuSeconds'] = cpuSeconds(process.cpuUsage(cpuFrom));
      result['roundTripExact'] = fingerprintTransactions(read) === fingerprint;
      result['peakRssMib'] = process.resourceUsage().maxRSS / MIB;
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${errorMessage(error, { stack: true })}\n`);
  process.exitCode = 1;
});
