import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';

/**
 * The CLI as `nx build trainer` makes it (workspace libs bundled from their sources, npm packages external), written
 * to `outfile` inside the workspace so the external packages resolve from its node_modules. Tests bundle their own
 * copy, so a concurrent `nx build trainer` cannot pull dist/ from under them.
 */
export async function bundleTrainerCli(root: string, outfile: string): Promise<void> {
  await build({
    entryPoints: [join(root, 'apps/trainer/src/main.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile,
    conditions: ['@fraudops/source'],
    banner: { js: 'import { createRequire as __cr } from "node:module"; const require = __cr(import.meta.url);' },
    logLevel: 'silent',
    plugins: [
      {
        name: 'npm-packages-external',
        setup(b) {
          b.onResolve({ filter: /^[^./]/ }, (args) =>
            args.path.startsWith('@fraudops/') ? undefined : { path: args.path, external: true },
          );
        },
      },
    ],
  });
}

/**
 * The job files of `tune --backend databricks` as `nx run trainer:build-tune-job` makes them: databricks/tune.py
 * and src/tune-job.ts bundled with every npm package inside (only onnxruntime-node, which the search never loads,
 * stays out), written to `dir`.
 */
export async function bundleTuneJob(root: string, dir: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  copyFileSync(join(root, 'apps/trainer/databricks/tune.py'), join(dir, 'tune.py'));
  await build({
    entryPoints: [join(root, 'apps/trainer/src/tune-job.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile: join(dir, 'tune-job.mjs'),
    conditions: ['@fraudops/source'],
    external: ['onnxruntime-node'],
    banner: { js: 'import { createRequire as __cr } from "node:module"; const require = __cr(import.meta.url);' },
    logLevel: 'silent',
  });
}
