import { execFileSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { DEFAULT_CLUSTER_ID, DEFAULT_TOKEN, startEmulator, type EmulatorOptions } from './emulator.js';
import { errorMessage } from '@fraudops/core';

const DEMO_URL = 'https://github.com/fraudops/fraudops.git';
const DEMO_FOLDER = '/Repos/ci/fraudops';

const HELP = `fraudops Databricks emulator — a local stand-in for a workspace (REST API, job runner, SQL warehouse)

Usage: npm run emulator -- [options]

Options:
  --port N              REST port (default 8787; 0 picks a free one)
  --host ADDR           interface to bind (default 127.0.0.1)
  --token T             accepted personal access token (repeatable; default ${DEFAULT_TOKEN})
  --basic-user U:P      a user who may sign in with HTTP Basic auth (repeatable)
  --service-principal ID:SECRET
                        a service principal that gets OAuth M2M tokens (repeatable)
  --github-job T=SUBJECT
                        the GitHub stand-in issues ID tokens with this subject to request token T (repeatable),
                        e.g. --github-job req-1=repo:acme/fraudops:environment:staging
  --federation-policy ID=SUBJECT
                        service principal ID accepts ID tokens of the GitHub stand-in with this subject
                        (audience: the token endpoint URL; repeatable)
  --state-file FILE     keep jobs, runs, Git folders and models across restarts
  --data-dir DIR        where the workspace tree and volumes live (default: next to the state file, else temporary)
  --git-remote URL=PATH serve Git URL from a local repository (repeatable)
  --no-seed             do not create the demo Git folder ${DEMO_FOLDER}
  --sql-port N          SQL warehouse port (default 8788; 0 picks a free one)
  --no-sql              do not start the SQL warehouse endpoint
  --tick-ms N           time runs spend in PENDING/TERMINATING (default 250)
  --python PATH         Python for spark_python_task (default $FRAUDOPS_PYTHON, else /usr/bin/python3)
  --cluster ID          an all-purpose cluster that exists, for tasks' existing_cluster_id (repeatable;
                        default ${DEFAULT_CLUSTER_ID})
  --json                print the connection details as one JSON line (for scripts)
  -h, --help            this help

By default the Git URL ${DEMO_URL} is served from the Git repository you start it in, and the
Git folder ${DEMO_FOLDER} is cloned from it, so this works at once:

  export DATABRICKS_HOST=http://127.0.0.1:8787 DATABRICKS_TOKEN=${DEFAULT_TOKEN}
  npm run sync -- repo ${DEMO_FOLDER} --branch main
`;

function gitTopLevel(): string | undefined {
  try {
    return execFileSync('git', ['rev-parse', '--show-toplevel'], { stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .trim();
  } catch {
    return undefined;
  }
}

/** `a:b` → [a, b] at the first separator, naming the flag when the value has no separator. */
function pair(value: string, separator: string, flag: string, shape: string): [string, string] {
  const at = value.indexOf(separator);
  if (at <= 0 || at === value.length - 1) throw new Error(`${flag} takes ${shape}; got "${value}"`);
  return [value.slice(0, at), value.slice(at + 1)];
}

function integer(value: string | undefined, flag: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${flag} must be a non-negative integer; got "${value}".`);
  return n;
}

// eslint-disable-next-line max-lines-per-function -- the command line: options, their checks and start-up in one place
async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      token: { type: 'string', multiple: true },
      'basic-user': { type: 'string', multiple: true },
      'service-principal': { type: 'string', multiple: true },
      'github-job': { type: 'string', multiple: true },
      'federation-policy': { type: 'string', multiple: true },
      'state-file': { type: 'string' },
      'data-dir': { type: 'string' },
      'git-remote': { type: 'string', multiple: true },
      'no-seed': { type: 'boolean' },
      'sql-port': { type: 'string' },
      'no-sql': { type: 'boolean' },
      'tick-ms': { type: 'string' },
      python: { type: 'string' },
      cluster: { type: 'string', multiple: true },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const gitRemotes: Record<string, string> = {};
  for (const mapping of values['git-remote'] ?? []) {
    const eq = mapping.lastIndexOf('=');
    if (eq <= 0) throw new Error(`--git-remote takes URL=PATH; got "${mapping}".`);
    gitRemotes[mapping.slice(0, eq)] = mapping.slice(eq + 1);
  }
  const basicUsers = (values['basic-user'] ?? []).map((v) => {
    const [userName, password] = pair(v, ':', '--basic-user', 'USER:PASSWORD');
    return { userName, password };
  });
  const servicePrincipals = (values['service-principal'] ?? []).map((v) => {
    const [clientId, clientSecret] = pair(v, ':', '--service-principal', 'ID:SECRET');
    return { clientId, clientSecret };
  });
  const githubJobs = (values['github-job'] ?? []).map((v) => {
    const [requestToken, subject] = pair(v, '=', '--github-job', 'TOKEN=SUBJECT');
    return { requestToken, subject };
  });
  const federationPolicies = (values['federation-policy'] ?? []).map((v) => {
    const [clientId, subject] = pair(v, '=', '--federation-policy', 'ID=SUBJECT');
    return { clientId, subject };
  });
  const topLevel = gitTopLevel();
  const seed = !values['no-seed'] && (gitRemotes[DEMO_URL] ?? topLevel);
  if (seed && !gitRemotes[DEMO_URL]) gitRemotes[DEMO_URL] = seed;

  const options: EmulatorOptions = {
    port: integer(values.port, '--port', 8787),
    ...(values.host ? { host: values.host } : {}),
    ...(values.token ? { tokens: values.token } : {}),
    basicUsers,
    servicePrincipals,
    githubJobs,
    federationPolicies,
    ...(values['state-file'] ? { stateFile: values['state-file'] } : {}),
    ...(values['data-dir'] ? { dataDir: values['data-dir'] } : {}),
    gitRemotes,
    ...(seed ? { seedRepos: [{ path: DEMO_FOLDER, url: DEMO_URL }] } : {}),
    ...(values.python ? { python: values.python } : {}),
    ...(values.cluster ? { clusters: values.cluster } : {}),
    runner: { tickMs: integer(values['tick-ms'], '--tick-ms', 250) },
    sqlWarehouse: values['no-sql'] ? false : { port: integer(values['sql-port'], '--sql-port', 8788) },
  };
  const emulator = await startEmulator(options);
  const sql = emulator.sqlWarehouse;
  if (values.json) {
    process.stdout.write(
      `${JSON.stringify({
        url: emulator.url,
        token: emulator.token,
        githubIdTokenRequestUrl: emulator.github.idTokenRequestUrl,
        dataDir: emulator.dataDir,
        volumesRoot: emulator.volumesRoot,
        workspaceRoot: emulator.workspaceRoot,
        gitRemotes,
        clusters: values.cluster ?? [DEFAULT_CLUSTER_ID],
        ...(seed ? { seededGitFolder: DEMO_FOLDER } : {}),
        ...(sql ? { sql: { host: sql.host, port: sql.port, path: sql.path, warehouseId: sql.warehouseId } } : {}),
      })}\n`,
    );
  } else {
    const lines = [
      'fraudops Databricks emulator',
      `  REST API     ${emulator.url}`,
      `  token        ${emulator.token}`,
      sql
        ? `  SQL          host ${sql.host}, port ${sql.port}, path ${sql.path} (HTTPS, self-signed: checkServerCertificate false)`
        : '  SQL          off (--no-sql)',
      `  data         ${emulator.dataDir}`,
      `  volumes      /Volumes/… → ${emulator.volumesRoot}/…`,
      ...Object.entries(gitRemotes).map(([url, path]) => `  Git remote   ${url} → ${path}`),
      ...(seed ? [`  Git folder   ${DEMO_FOLDER}`] : []),
      '',
      'Use it:',
      `  export DATABRICKS_HOST=${emulator.url} DATABRICKS_TOKEN=${emulator.token}${sql ? ` DATABRICKS_WAREHOUSE_ID=${sql.warehouseId}` : ''}`,
      ...(seed ? [`  npm run sync -- repo ${DEMO_FOLDER} --branch main`] : []),
      'Ctrl-C stops it.',
      '',
    ];
    process.stdout.write(lines.join('\n'));
  }
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await emulator.close();
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    const message = errorMessage(error);
    const hint =
      (error as { code?: string }).code === 'EADDRINUSE'
        ? ' Pick a free one with --port N (or --port 0), --sql-port N.'
        : '';
    process.stderr.write(`databricks-emulator: ${message}.${hint}\n`);
    process.exitCode = 1;
  },
);
