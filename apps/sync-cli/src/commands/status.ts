import type { Command } from 'commander';
import { CliError, ExitCode, type CliContext } from '@fraudops/cli';
import { clientFor } from '../cli/context.js';

const EXAMPLES = `
Examples:
  $ fraudops-sync status /Repos/ci/fraudops
  $ fraudops-sync status /Repos/ci/fraudops --json | jq -r .head_commit_id

Exit codes: 0 ok, 2 usage or configuration (no host, no credentials), 3 auth refused, 4 no Git folder at that
path, 8 workspace unreachable, 1 unexpected (docs/errors.md has the table every fraudops CLI shares).
`;

/** `fraudops-sync status <path>`: what a Git folder has checked out. */
export function registerStatus(program: Command, context: CliContext): void {
  program
    .command('status')
    .description('Show the branch (or detached tag) and head commit of a Databricks Git folder.')
    .argument('<workspace-path>', 'the Git folder, e.g. /Repos/ci/fraudops')
    .option('--json', 'print one JSON object (for scripts)')
    .option('--profile <name>', 'profile of ~/.databrickscfg to use')
    .addHelpText('after', EXAMPLES)
    .action(async (path: string, options: { json?: boolean; profile?: string }) => {
      const output = context.output(Boolean(options.json));
      if (!path.startsWith('/')) {
        throw new CliError(
          `<workspace-path> must be absolute, like /Repos/ci/fraudops; got "${path}".`,
          ExitCode.usage,
          'USAGE',
        );
      }
      const db = clientFor(context, options.profile);
      const spinner = output.spinner();
      spinner.step(`Resolving ${path}`);
      const repo = await db.repos.getByPath(path).finally(() => spinner.stop());
      output.result({
        path: repo.path,
        repo_id: repo.id,
        url: repo.url,
        provider: repo.provider,
        branch: repo.branch ?? null,
        head_commit_id: repo.head_commit_id ?? null,
      });
      output.line(`Git folder ${repo.path} (id ${repo.id})`);
      output.line(`  repository: ${repo.url} (${repo.provider})`);
      output.line(`  checked out: ${repo.branch ? `branch ${repo.branch}` : 'a tag or commit (detached HEAD)'}`);
      output.line(`  head commit: ${repo.head_commit_id ?? 'unknown'}`);
    });
}
