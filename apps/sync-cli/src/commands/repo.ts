import type { Command } from 'commander';
import { GIT_PROVIDERS, providerForUrl } from '@fraudops/databricks';
import { CliError, ExitCode, type CliContext, type Output } from '@fraudops/cli';
import { clientFor } from '../cli/context.js';
import { syncGitFolder, type FolderState, type GitRef, type SyncResult } from '../git-folder-sync.js';

interface RepoOptions {
  branch?: string;
  tag?: string;
  url?: string;
  provider?: string;
  create?: boolean;
  forceDiscard?: boolean;
  dryRun?: boolean;
  json?: boolean;
  profile?: string;
}

const EXAMPLES = `
Examples:
  # CI on merge to main: bring the folder to the latest commit of main
  $ fraudops-sync repo /Repos/ci/fraudops --branch main

  # first run: create the folder if it is missing
  $ fraudops-sync repo /Repos/ci/fraudops --branch main --create --url https://github.com/acme/fraudops.git

  # pin a release (detached HEAD), throwing away edits made in the workspace
  $ fraudops-sync repo /Repos/prod/fraudops --tag v1.4.0 --force-discard

  # see what would happen, as JSON, with the [staging] profile of ~/.databrickscfg
  $ fraudops-sync repo /Repos/staging/fraudops --branch staging --dry-run --json --profile staging

Configuration: DATABRICKS_HOST with DATABRICKS_TOKEN (or DATABRICKS_CLIENT_ID and DATABRICKS_CLIENT_SECRET),
or a profile of ~/.databrickscfg (--profile, DATABRICKS_CONFIG_PROFILE, else [DEFAULT]).

Exit codes: 0 ok, 2 usage or configuration (no host, no credentials), 3 auth refused, 4 not found (folder,
branch, tag), 5 conflict (uncommitted changes in the folder, or a clone of another repository), 8 workspace or
Git remote unreachable, 1 unexpected (docs/errors.md has the table every fraudops CLI shares).
`;

const short = (sha: string | undefined) => (sha ? sha.slice(0, 12) : 'unknown');
const describe = (s: FolderState | undefined) =>
  s ? `${s.branch ?? '(detached)'} @ ${short(s.head_commit_id)}` : 'none';

function targetOf(options: RepoOptions): GitRef {
  if (options.branch !== undefined && options.tag !== undefined) {
    throw new CliError('Give either --branch or --tag, not both.', ExitCode.usage, 'USAGE');
  }
  if (options.branch) return { branch: options.branch };
  if (options.tag) return { tag: options.tag };
  throw new CliError('Say what to check out: --branch <name> or --tag <name>.', ExitCode.usage, 'USAGE');
}

function createOptions(options: RepoOptions): { url: string; provider: string } | undefined {
  if (options.provider && !GIT_PROVIDERS.some((p) => p.toLowerCase() === options.provider?.toLowerCase())) {
    throw new CliError(
      `--provider ${options.provider} is not a Git provider; use one of ${GIT_PROVIDERS.join(', ')}.`,
      ExitCode.usage,
      'USAGE',
    );
  }
  if (!options.create) {
    if (options.provider) throw new CliError('--provider only matters with --create.', ExitCode.usage, 'USAGE');
    return undefined;
  }
  if (!options.url)
    throw new CliError('--create needs --url <git-url> (the repository to clone).', ExitCode.usage, 'USAGE');
  const provider = options.provider ?? providerForUrl(options.url);
  if (!provider) {
    throw new CliError(
      `Cannot tell the Git provider of ${options.url}; pass --provider (one of ${GIT_PROVIDERS.join(', ')}).`,
      ExitCode.usage,
      'USAGE',
    );
  }
  return { url: options.url, provider };
}

function printHuman(output: Output, result: SyncResult): void {
  const ref = 'branch' in result.target ? `branch ${result.target.branch}` : `tag ${result.target.tag}`;
  output.line(`Git folder ${result.path}${result.url ? ` (${result.url})` : ''}`);
  if (result.dry_run) {
    output.line(result.before ? `  now:    ${describe(result.before)}` : '  now:    does not exist');
    output.line(
      `  dry run: would ${result.before ? 'update it to' : `create it from ${result.url} and check out`} ${ref}`,
    );
    return;
  }
  output.line(`  before: ${result.created ? 'created' : describe(result.before)}`);
  output.line(`  after:  ${describe(result.after)}`);
  output.line(result.changed ? `updated to ${ref}` : `already at the latest commit of ${ref}`);
}

/** `fraudops-sync repo <path> (--branch B | --tag T) …` */
export function registerRepo(program: Command, context: CliContext): void {
  program
    .command('repo')
    .description(
      'Update a Databricks Git folder to the latest commit of a branch, or to a tag (creating it with --create).',
    )
    .argument('<workspace-path>', 'the Git folder, e.g. /Repos/ci/fraudops or /Workspace/Users/me@acme.com/fraudops')
    .option('--branch <name>', 'check out this branch at its latest commit')
    .option('--tag <name>', 'check out this tag (detached HEAD)')
    .option('--url <git-url>', 'the repository: cloned with --create, otherwise checked against the folder')
    .option(
      '--provider <provider>',
      `Git provider for --create (guessed from the URL for GitHub, GitLab, Bitbucket, Azure DevOps)`,
    )
    .option('--create', 'create the Git folder (and its parent folder) when it does not exist')
    .option(
      '--force-discard',
      'throw away uncommitted changes in the folder instead of failing (dangerously_force_discard_all)',
    )
    .option('--dry-run', 'resolve the folder and say what would change, without changing it')
    .option('--json', 'print one JSON object (for scripts); errors too, with their exit code')
    .option('--profile <name>', 'profile of ~/.databrickscfg to use')
    .addHelpText('after', EXAMPLES)
    .action(async (path: string, options: RepoOptions) => {
      const output = context.output(Boolean(options.json));
      if (!path.startsWith('/')) {
        throw new CliError(
          `<workspace-path> must be absolute, like /Repos/ci/fraudops; got "${path}".`,
          ExitCode.usage,
          'USAGE',
        );
      }
      const target = targetOf(options);
      const create = createOptions(options);
      const db = clientFor(context, options.profile);
      const spinner = output.spinner();
      let result: SyncResult;
      try {
        result = await syncGitFolder(
          db,
          {
            path,
            ref: target,
            ...(create ? { create } : {}),
            ...(options.url && !create ? { expectUrl: options.url } : {}),
            forceDiscard: Boolean(options.forceDiscard),
            dryRun: Boolean(options.dryRun),
          },
          (text) => spinner.step(text),
        );
      } finally {
        spinner.stop();
      }
      output.result(result);
      printHuman(output, result);
    });
}
