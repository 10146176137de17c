import { execFileSync } from 'node:child_process';
import { Option, type Command } from 'commander';
import { GIT_PROVIDERS, providerForUrl } from '@fraudops/databricks';
import { CliError, ExitCode, type CliContext } from '@fraudops/cli';
import { openWorkspace } from '../pipeline/databricks-connection.js';
import { addProfileFlag, DEFAULT_JOB_NAME } from '../cli/databricks-flags.js';
import {
  deployTrainingJob,
  DEFAULT_JOB_TIMEOUT_SECONDS,
  trainingJobSettings,
  type CodeSource,
  type ComputeSpec,
} from '../pipeline/databricks-job.js';
import { numberFlag } from './train-options.js';

const EXAMPLES = `
Examples:
  # serverless compute; the code checked out from the main branch of this checkout's origin
  $ fraudops-train deploy-job

  # pin the exact commit CI built (what the model card will name)
  $ fraudops-train deploy-job --git-url https://github.com/acme/fraudops.git --git-commit "$GITHUB_SHA" --json

  # run the code of a Git folder kept in step by fraudops-sync, on a job cluster
  $ fraudops-train deploy-job --code-path /Repos/ci/fraudops --compute cluster --node-type i3.xlarge --workers 1

  # see the settings without touching the workspace
  $ fraudops-train deploy-job --dry-run --json

Idempotent: the job is found by --job-name; an existing one is reset to exactly these settings (same id),
otherwise it is created. Two jobs with the name is an error.`;

interface DeployFlags {
  jobName: string;
  profile?: string;
  gitUrl?: string;
  gitProvider?: string;
  gitBranch?: string;
  gitTag?: string;
  gitCommit?: string;
  codePath?: string;
  compute: 'serverless' | 'cluster' | 'existing';
  environmentVersion: string;
  sparkVersion: string;
  nodeType?: string;
  workers: number;
  clusterId?: string;
  maxConcurrentRuns: number;
  jobTimeout: number;
  dryRun?: boolean;
  json?: boolean;
}

/** `git@github.com:acme/x.git` → `https://github.com/acme/x.git` (Databricks clones over HTTPS). */
export function httpsGitUrl(url: string): string {
  const scp = /^[^@\s]+@([^:\s]+):(.+)$/.exec(url);
  return scp ? `https://${scp[1]}/${scp[2]}` : url;
}

function originUrl(): string | undefined {
  try {
    return (
      execFileSync('git', ['remote', 'get-url', 'origin'], { stdio: ['ignore', 'pipe', 'ignore'] })
        .toString()
        .trim() || undefined
    );
  } catch {
    return undefined;
  }
}

export function codeSource(flags: DeployFlags): CodeSource {
  const refs = [flags.gitBranch, flags.gitTag, flags.gitCommit].filter((r) => r !== undefined);
  if (flags.codePath) {
    if (flags.gitUrl || refs.length > 0)
      throw new CliError(
        '--code-path runs the code of a workspace folder: it excludes --git-url/--git-branch/--git-tag/--git-commit',
        ExitCode.usage,
      );
    return { kind: 'path', root: flags.codePath };
  }
  if (refs.length > 1) throw new CliError('pass one of --git-branch, --git-tag or --git-commit', ExitCode.usage);
  if (flags.gitCommit !== undefined && !/^[0-9a-f]{7,40}$/.test(flags.gitCommit)) {
    throw new CliError(`--git-commit must be a hex commit id, got "${flags.gitCommit}"`, ExitCode.usage);
  }
  const given = flags.gitUrl ?? originUrl();
  if (!given)
    throw new CliError(
      'no --git-url, and this directory has no git remote "origin": pass --git-url (or --code-path)',
      ExitCode.usage,
    );
  const url = httpsGitUrl(given);
  const provider = flags.gitProvider ?? providerForUrl(url);
  if (!provider) {
    throw new CliError(
      `cannot tell the Git provider of ${url}: pass --git-provider (${GIT_PROVIDERS.join(', ')})`,
      ExitCode.usage,
    );
  }
  return {
    kind: 'git',
    url,
    provider,
    ...(flags.gitTag
      ? { tag: flags.gitTag }
      : flags.gitCommit
        ? { commit: flags.gitCommit }
        : { branch: flags.gitBranch ?? 'main' }),
  };
}

export function computeSpec(flags: DeployFlags): ComputeSpec {
  if (flags.compute === 'existing') {
    if (!flags.clusterId) throw new CliError('--compute existing needs --cluster-id', ExitCode.usage);
    return { kind: 'existing', clusterId: flags.clusterId };
  }
  if (flags.compute === 'cluster') {
    if (!flags.nodeType)
      throw new CliError(
        '--compute cluster needs --node-type (e.g. i3.xlarge, Standard_DS3_v2, n2-highmem-4)',
        ExitCode.usage,
      );
    return { kind: 'cluster', sparkVersion: flags.sparkVersion, nodeType: flags.nodeType, workers: flags.workers };
  }
  return { kind: 'serverless', environmentVersion: flags.environmentVersion };
}

// eslint-disable-next-line max-lines-per-function -- the command's declaration: one option per line with its help text
export function registerDeployJob(program: Command, context: CliContext): void {
  const command = program
    .command('deploy-job')
    .description(
      'Create or reset the Databricks training job (apps/trainer/databricks/train.py) that train --backend databricks runs.',
    )
    .option('--job-name <name>', 'job name (the job is found by it)', DEFAULT_JOB_NAME)
    .option('--git-url <url>', "repository Databricks checks out for every run (default: this checkout's origin)")
    .option('--git-provider <provider>', `Git provider (guessed from the URL): ${GIT_PROVIDERS.join(', ')}`)
    .option('--git-branch <branch>', 'run the latest commit of this branch (default: main)')
    .option('--git-tag <tag>', 'run this tag')
    .option('--git-commit <sha>', 'run exactly this commit')
    .option(
      '--code-path <path>',
      'instead of Git: the repository root in the workspace, e.g. a Git folder /Repos/ci/fraudops',
    )
    .addOption(
      new Option('--compute <kind>', 'serverless jobs compute, a new job cluster per run, or an existing cluster')
        .choices(['serverless', 'cluster', 'existing'])
        .default('serverless'),
    )
    .option('--environment-version <v>', 'serverless: environment version', '2')
    .option('--spark-version <v>', 'job cluster: Databricks Runtime', '15.4.x-cpu-ml-scala2.12')
    .option('--node-type <type>', 'job cluster: node type')
    .option('--workers <n>', 'job cluster: workers', numberFlag('--workers', { integer: true, min: 0 }), 1)
    .option('--cluster-id <id>', 'existing cluster id (with --compute existing)')
    .option(
      '--max-concurrent-runs <n>',
      'runs at the same time (more are queued)',
      numberFlag('--max-concurrent-runs', { integer: true, min: 1, max: 1000 }),
      4,
    )
    .option(
      '--job-timeout <seconds>',
      'Databricks stops a run after this long (0: never)',
      numberFlag('--job-timeout', { integer: true, min: 0 }),
      DEFAULT_JOB_TIMEOUT_SECONDS,
    )
    .option('--dry-run', 'print the job settings; change nothing')
    .option('--json', 'print one JSON object on stdout');
  addProfileFlag(command, false);
  command.addHelpText('after', EXAMPLES).action(async (flags: DeployFlags) => {
    const output = context.output(Boolean(flags.json));
    const settings = trainingJobSettings({
      name: flags.jobName,
      code: codeSource(flags),
      compute: computeSpec(flags),
      maxConcurrentRuns: flags.maxConcurrentRuns,
      timeoutSeconds: flags.jobTimeout,
    });
    if (flags.dryRun) {
      output.line(JSON.stringify(settings, null, 2));
      output.result({ dryRun: true, settings });
      return;
    }
    const client = openWorkspace(flags);
    const result = await deployTrainingJob(client, settings);
    const task = settings.tasks?.[0];
    const code = settings.git_source
      ? `${settings.git_source.git_url} @ ${settings.git_source.git_branch ?? settings.git_source.git_tag ?? settings.git_source.git_commit}`
      : task?.spark_python_task?.python_file;
    output.line(`${result.action === 'created' ? 'created' : 'reset  '}  job ${result.jobId} "${result.name}"`);
    output.line(`code     ${code}`);
    output.line(`compute  ${flags.compute}`);
    output.line(`url      ${result.url}`);
    output.result({ ...result, settings });
  });
}
