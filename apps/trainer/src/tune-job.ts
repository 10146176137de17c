import { renameSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  foldWindowsFromFiles,
  parseTuneJobInputs,
  tuneJobResult,
  TUNE_INPUTS_FILE,
  TUNE_PROGRESS_FILE,
  TUNE_RESULT_FILE,
  type TuneJobProgress,
} from './pipeline/tune-job-files.js';
import { searchTrials } from './pipeline/tune.js';

// The Databricks job of `fraudops-train tune --backend databricks`: the same search as the local backend
// (pipeline/tune.ts `searchTrials`: same trial sampler, same trainers, same scoring and selection) over the fold
// windows the launcher exported from the warehouse's per-fold split tables. databricks/tune.py starts it with
// Node: `node tune-job.mjs --inputs <folder> --output-dir <folder>`. It is bundled on its own (every npm
// package inside), so the cluster needs Node.js 20+ and nothing else.

/**
 * Written whole or not at all (a reader never sees half a file), and synchronously: the search keeps the event
 * loop busy between trials, so an asynchronous write would only land after the last trial.
 */
function writeAtomically(path: string, text: string): void {
  writeFileSync(`${path}.tmp`, text);
  renameSync(`${path}.tmp`, path);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { inputs: { type: 'string' }, 'output-dir': { type: 'string' } },
    strict: true,
  });
  const inputsDir = values.inputs;
  const outputDir = values['output-dir'];
  if (!inputsDir || !outputDir) throw new Error('usage: tune-job --inputs <folder> --output-dir <folder>');
  const inputs = parseTuneJobInputs(await readFile(join(inputsDir, TUNE_INPUTS_FILE), 'utf8'), TUNE_INPUTS_FILE);
  const windows = await foldWindowsFromFiles(inputs, (file) => readFile(join(inputsDir, file), 'utf8'));
  const { search } = inputs;
  console.log(
    `tune-job: ${search.trials} trials of ${search.defaults.model} on ${windows.length} folds, seed ${search.seed}`,
  );
  const result = await searchTrials(windows, inputs.featureNames, {
    ...search,
    onTrial: (trial, best) => {
      const progress: TuneJobProgress = {
        done: trial.trial + 1,
        of: search.trials,
        last: { trial: trial.trial, ap: trial.mean.average_precision, cp: trial.mean.card_precision_at_k },
        best: { trial: best.trial, ap: best.mean.average_precision },
      };
      console.log(`trial ${trial.trial}: AP ${trial.mean.average_precision.toFixed(4)} (best: trial ${best.trial})`);
      writeAtomically(join(outputDir, TUNE_PROGRESS_FILE), JSON.stringify(progress));
    },
  });
  writeAtomically(join(outputDir, TUNE_RESULT_FILE), `${JSON.stringify(tuneJobResult(result), null, 2)}\n`);
  console.log(JSON.stringify({ status: 'ok', trials: result.trials.length, best: result.best.trial }));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exitCode = 1;
});
