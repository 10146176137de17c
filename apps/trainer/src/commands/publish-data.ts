import { existsSync, statSync } from 'node:fs';
import type { Command } from 'commander';
import { CliError, ExitCode, type CliContext } from '@fraudops/cli';
import { prepareData } from '../pipeline/data.js';
import { openWarehouse, openWorkspace } from '../pipeline/databricks-connection.js';
import { checkTableName } from '@fraudops/features';
import { addConnectionFlags, type ConnectionFlags } from '../cli/databricks-flags.js';
import { numberFlag } from './train-options.js';

const EXAMPLES = `
Examples:
  # the simulator's transactions (handbook defaults) as main.fraud.transactions, uploaded to /Volumes/main/fraud/landing
  $ fraudops-train publish-data --table main.fraud.transactions --warehouse-id 1234abcd

  # your own file (.parquet or .csv with the contract columns), into another volume folder
  $ fraudops-train publish-data --table main.fraud.transactions --data data/2024-q1.csv --volume /Volumes/main/fraud/raw/q1

  # rehearse on the local emulator (npm run emulator): its warehouse listens on its own port
  $ fraudops-train publish-data --table fraud.transactions --volume /Volumes/main/fraud/landing \\
      --sql-host https://127.0.0.1:8443 --sql-insecure --customers 500 --terminals 1000 --days 60`;

interface PublishFlags extends ConnectionFlags {
  table: string;
  data?: string;
  volume?: string;
  customers?: number;
  terminals?: number;
  days?: number;
  simSeed?: number;
  cacheDir: string;
  json?: boolean;
}

/** The volume folder an upload goes to: --volume, else `/Volumes/<catalog>/<schema>/landing` of a three-part table. */
export function landingFolder(table: string, volume: string | undefined): string {
  if (volume !== undefined) {
    if (!/^\/Volumes\/[^/]+\/[^/]+\/[^/]+/.test(volume)) {
      throw new CliError(
        `--volume must be /Volumes/<catalog>/<schema>/<volume>[/folder], got "${volume}"`,
        ExitCode.usage,
      );
    }
    return volume.replace(/\/+$/, '');
  }
  const parts = table.split('.');
  if (parts.length !== 3)
    throw new CliError(
      `--table ${table} has no catalog: pass --volume /Volumes/<catalog>/<schema>/<volume>`,
      ExitCode.usage,
    );
  return `/Volumes/${parts[0]}/${parts[1]}/landing`;
}

/** The statements that turn the uploaded Parquet file into the table (Spark SQL, `read_files`). */
export function publishStatements(table: string, file: string): string[] {
  const schema = table.split('.').slice(0, -1).join('.');
  return [
    ...(schema ? [`CREATE SCHEMA IF NOT EXISTS ${schema}`] : []),
    `CREATE OR REPLACE TABLE ${table} AS SELECT * FROM read_files('${file.replace(/'/g, "''")}', format => 'parquet')`,
  ];
}

/** `fraudops-train publish-data`: transactions (simulated or a file) → a volume (Files API) → a table (SQL warehouse). */
// eslint-disable-next-line max-lines-per-function -- the command's declaration: one option per line with its help text
export function registerPublishData(program: Command, context: CliContext): void {
  const command = program
    .command('publish-data')
    .description(
      'Upload transactions (simulated, or --data) to a volume and create the table the Databricks backend trains from.',
    )
    .requiredOption('--table <catalog.schema.table>', 'the table to create (replaced when it exists)')
    .option('--data <file>', 'transactions file (.parquet or .csv with the contract columns); default: the simulator')
    .option('--volume <path>', 'volume folder for the upload (default: /Volumes/<catalog>/<schema>/landing)')
    .option('--customers <n>', 'simulated customers', numberFlag('--customers', { integer: true, min: 1 }))
    .option('--terminals <n>', 'simulated terminals', numberFlag('--terminals', { integer: true, min: 1 }))
    .option('--days <n>', 'simulated days', numberFlag('--days', { integer: true, min: 1 }))
    .option(
      '--sim-seed <n>',
      'simulator seed (0: the handbook dataset)',
      numberFlag('--sim-seed', { integer: true, min: 0 }),
    )
    .option('--cache-dir <dir>', 'where simulated and converted data are cached', 'data')
    .option('--json', 'print one JSON object on stdout')
    .addHelpText('after', EXAMPLES);
  addConnectionFlags(command, false);
  command.action(async (flags: PublishFlags) => {
    const output = context.output(Boolean(flags.json));
    checkTableName(flags.table, '--table');
    const folder = landingFolder(flags.table, flags.volume);
    if (flags.data !== undefined && !existsSync(flags.data))
      throw new CliError(`--data ${flags.data}: no such file`, ExitCode.notFound);
    const data = await prepareData({
      dataPath: flags.data,
      cacheDir: flags.cacheDir,
      simulation: {
        ...(flags.customers !== undefined ? { customers: flags.customers } : {}),
        ...(flags.terminals !== undefined ? { terminals: flags.terminals } : {}),
        ...(flags.days !== undefined ? { days: flags.days } : {}),
        ...(flags.simSeed !== undefined ? { seed: flags.simSeed } : {}),
      },
    });
    const client = openWorkspace(flags);
    const file = `${folder}/${flags.table.split('.').at(-1)}.parquet`;
    const bytes = statSync(data.parquetPath).size;
    output.status(
      `▸ uploading ${data.columns.length.toLocaleString('en-US')} transactions (${data.source}) to ${file}`,
    );
    await client.files.uploadFromFile(data.parquetPath, file, { overwrite: true });
    const engine = openWarehouse(client, flags);
    try {
      output.status(`▸ creating ${flags.table} from ${file} on the SQL warehouse`);
      for (const statement of publishStatements(flags.table, file)) await engine.query(statement);
      const counted = await engine.query(`SELECT COUNT(*) AS row_count, SUM(tx_fraud) AS frauds FROM ${flags.table}`);
      const rows = Number(counted.columns[0][0]);
      const frauds = Number(counted.columns[1][0]);
      output.line(
        `table       ${flags.table}: ${rows.toLocaleString('en-US')} transactions, ${frauds.toLocaleString('en-US')} frauds`,
      );
      output.line(`file        ${file} (${bytes.toLocaleString('en-US')} bytes, from ${data.source})`);
      output.line(
        `next        fraudops-train train --backend databricks --source-table ${flags.table} --volume /Volumes/…/runs`,
      );
      output.result({ table: flags.table, file, bytes, rows, frauds, source: data.source, startDate: data.startDate });
    } finally {
      await engine.close();
    }
  });
}
