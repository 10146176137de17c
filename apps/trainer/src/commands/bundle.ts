import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Command } from 'commander';
import { CliError, ExitCode, type CliContext } from '@fraudops/cli';
import { bundleFiles } from '../pipeline/databricks-bundle.js';

const EXAMPLES = `
Examples:
  # regenerate databricks.yml and resources/ at the repository root after changing the job definition
  $ npm run train -- bundle --out .

  # fail (exit 5) when the committed bundle differs from the job definition
  $ npm run train -- bundle --out . --check

  # then, with the Databricks CLI
  $ databricks bundle deploy -t staging --var service_principal=<application id>`;

/** `fraudops-train bundle`: the Databricks Asset Bundle of the training job, generated from deploy-job's definition. */
export function registerBundle(program: Command, context: CliContext): void {
  program
    .command('bundle')
    .description(
      'Write the training job as a Databricks Asset Bundle (databricks.yml, resources/; dev, staging, prod targets), generated from the definition deploy-job uses.',
    )
    .option('--out <dir>', 'the bundle root (the repository root, where the files are committed)', '.')
    .option('--check', 'write nothing; exit 5 when the files there differ from the generated ones')
    .option('--json', 'print one JSON object on stdout')
    .addHelpText('after', EXAMPLES)
    .action(async (flags: { out: string; check?: boolean; json?: boolean }) => {
      const output = context.output(Boolean(flags.json));
      const files = bundleFiles();
      const stale: string[] = [];
      for (const [file, text] of Object.entries(files)) {
        const path = join(flags.out, file);
        if (flags.check) {
          const current = await readFile(path, 'utf8').catch(() => undefined);
          if (current !== text) stale.push(path);
          continue;
        }
        await mkdir(dirname(path), { recursive: true });
        await writeFile(path, text);
        output.line(`wrote       ${path}`);
      }
      output.result({ files: Object.keys(files).map((f) => join(flags.out, f)), stale });
      if (stale.length > 0)
        throw new CliError(
          `the bundle differs from the job definition: ${stale.join(', ')} (regenerate with fraudops-train bundle --out ${flags.out})`,
          ExitCode.conflict,
        );
      if (flags.check) output.line('the bundle matches the job definition');
    });
}
