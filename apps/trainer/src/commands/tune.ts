import { Option, type Command } from 'commander';
import { builtInFeatureSpec } from '@fraudops/features';
import { CliError, ExitCode, type CliContext, type Output } from '@fraudops/cli';
import { prepareData } from '../pipeline/data.js';
import { features, splitDays } from '../pipeline/local-train.js';
import { writeParameterSet, type ParameterSet } from '../pipeline/parameter-set.js';
import { StageRunner } from '../pipeline/stages.js';
import type { DatabricksTuneSummary } from '../pipeline/databricks-tune.js';
import {
  SELECTION_RULES,
  tuneHyperparameters,
  tuningFolds,
  type SelectionRule,
  type Trial,
  type TrialParams,
  type TuneResult,
} from '../pipeline/tune.js';
import { localTrainOptions } from './train.js';
import { addTrainingFlags, applyParameterSet, numberFlag, type TrainingFlags } from './train-options.js';
import { addDatabricksTuneFlags, type DatabricksTuneFlags } from '../cli/databricks-flags.js';

interface TuneFlags extends TrainingFlags, DatabricksTuneFlags {
  backend: 'local' | 'databricks';
  trials: number;
  timeBudget: number;
  folds: number;
  out: string;
  setName: string;
  selection: SelectionRule;
}

const EXAMPLES = `
Examples:
  # 30 seeded trials for the v2 features on 3 folds before the handbook split's delay period; the winner goes
  # to params/tuned.json, which npm start trains with
  $ fraudops-train tune --trials 30

  # the same search for the baseline features, stopping after 10 minutes, machine-readable
  $ fraudops-train tune --spec baseline --trials 100 --time-budget 600 --out params/tuned-baseline.json --json

  # logistic regression: searches its L2 penalty
  $ fraudops-train tune --model logreg --trials 12 --out params/logreg.json

  # then train with the winner (flags given on the command line still win)
  $ fraudops-train train --params params/tuned.json

  # the same search as a Databricks job: fold tables on the SQL warehouse, the trials on a cluster
  $ fraudops-train tune --backend databricks --source-table main.fraud.transactions --volume /Volumes/main/fraud/runs \
      --warehouse-id 1234abcd --cluster-id 0123-456789-abcdefgh --trials 30

Fold k tests on the --test-days days that end k test lengths before the last training day and trains on
--train-days days ending --delay-days before them: the main split's delay period and test window are never
read. Trial 0 is the flags' own parameters; the others are drawn from the search space with --seed, so the
same seed gives the same trials. --selection ap (the default): the best mean average precision over the
folds wins (card precision@k breaks exact ties); --selection ap-se: mean average precisions within one
standard error of the best one's are taken as tied, and the best mean card precision@k among them wins.
With --backend databricks the folds' features come from the warehouse (one split table per fold) and a run of
databricks/tune.py on --cluster-id runs the same search code with Node.js; the winner is written the same way.`;

function dayToDate(startDate: string, day: number): string {
  return new Date(Date.parse(`${startDate}T00:00:00Z`) + day * 86_400_000).toISOString().slice(0, 10);
}

/** The flags' own parameters: trial 0 of every search. */
function defaultTrialParams(flags: TuneFlags, model: ReturnType<typeof localTrainOptions>['model']): TrialParams {
  return { model: model.kind, gbdt: model.gbdt, logreg: { l2: flags.l2, scalePosWeight: flags.scalePosWeight } };
}

function describeParams(params: TrialParams): string {
  if (params.model === 'logreg') return `l2=${params.logreg.l2}`;
  const g = params.gbdt;
  return `rounds≤${g.nEstimators} depth=${g.maxDepth} lr=${g.learningRate} mcw=${g.minChildWeight} λ=${g.lambda} sub=${g.subsample} col=${g.colsampleByTree} pos×${g.scalePosWeight}`;
}

function trialRow(trial: Trial, k: number, best: boolean): string {
  const ap = trial.mean.average_precision.toFixed(4);
  const cp = trial.mean.card_precision_at_k.toFixed(3);
  const folds = trial.folds.map((f) => f.average_precision.toFixed(3)).join(' ');
  return `${best ? '*' : ' '} ${String(trial.trial).padStart(3)}  ${ap}  ${cp.padStart(5 + String(k).length)}  ${folds.padEnd(6 * trial.folds.length)}  ${trial.seconds.toFixed(1).padStart(6)}s  ${describeParams(trial.params)}`;
}

function printTable(result: TuneResult, k: number, output: Output): void {
  output.line(
    `  trial  AP      CP@${k}  AP per fold${' '.repeat(Math.max(0, 6 * result.folds.length - 11))}  time     parameters`,
  );
  const sorted = [...result.trials].sort(
    (a, b) => b.mean.average_precision - a.mean.average_precision || a.trial - b.trial,
  );
  for (const trial of sorted) output.line(trialRow(trial, k, trial === result.best));
}

/** The winner as a parameter set, with how it was chosen. */
export function parameterSetOf(
  flags: TuneFlags,
  specName: string,
  earlyStoppingRounds: number,
  result: TuneResult,
  startDate: string,
): ParameterSet {
  const best = result.best;
  return {
    format: 'fraudops-parameter-set/1',
    name: flags.setName,
    featureSpec: specName,
    model: best.params.model,
    gbdt: best.params.gbdt,
    logreg: best.params.logreg,
    earlyStoppingRounds,
    selection: {
      created: new Date().toISOString(),
      rule: flags.selection,
      seed: flags.seed,
      trials: result.trials.length,
      k: flags.k,
      meanAveragePrecision: best.mean.average_precision,
      meanCardPrecisionAtK: best.mean.card_precision_at_k,
      folds: best.folds.map((f, i) => ({
        fold: f.fold,
        trainStart: dayToDate(startDate, result.folds[i].trainStart),
        test: [dayToDate(startDate, result.folds[i].testDays[0]), dayToDate(startDate, result.folds[i].testDays[1])],
        average_precision: f.average_precision,
        card_precision_at_k: f.card_precision_at_k,
      })),
    },
  };
}

// eslint-disable-next-line max-lines-per-function -- one straight sequence (data, features, search, parameter set, summary) with progress and --json output
export async function runTune(
  flags: TuneFlags,
  output: Output,
): Promise<{ set: ParameterSet; result: TuneResult; out: string }> {
  const options = localTrainOptions(flags);
  const stages = new StageRunner(output);
  const spec = builtInFeatureSpec(options.specName);
  const data = await stages.run(
    'data',
    options.dataPath ? `reading ${options.dataPath}` : 'preparing simulated transactions',
    () => prepareData({ ...options, progress: (label, total) => output.progress(label, total) }),
  );
  const [trainStartDay] = splitDays(options.split, data.startDate);
  const split = { ...options.split, trainStartDay };
  const folds = tuningFolds(split, flags.folds);
  const earliest = folds[folds.length - 1].trainStart;
  if (earliest < 0) {
    throw new CliError(
      `--folds ${flags.folds}: the earliest fold would start on day ${earliest}, before the data; use fewer folds or a later --train-start`,
      ExitCode.usage,
    );
  }
  const lastTrainingDay = trainStartDay + options.split.trainDays - 1;
  const range = {
    ...options.split,
    trainStart: earliest,
    trainDays: lastTrainingDay - earliest + 1,
    delayDays: 0,
    testDays: 0,
  };
  const table = await stages.run(
    'features',
    `computing ${spec.features.length} features with DuckDB (days ${dayToDate(data.startDate, earliest)}…${dayToDate(data.startDate, lastTrainingDay)}, nothing later)`,
    () => features(data, spec, range),
  );
  for (const fold of folds) {
    output.status(
      `  fold ${fold.fold}: train from ${dayToDate(data.startDate, fold.trainStart)}, test ${dayToDate(data.startDate, fold.testDays[0])}…${dayToDate(data.startDate, fold.testDays[1])}`,
    );
  }
  const defaults = defaultTrialParams(flags, options.model);
  const bar = output.progress('trials', flags.trials);
  const result = await stages.run(
    'tune',
    `${flags.trials} trials of ${options.model.kind} on ${flags.folds} prequential folds`,
    async () => {
      try {
        return await tuneHyperparameters(table, data.columns, data.startDate, {
          split,
          folds: flags.folds,
          trials: flags.trials,
          timeBudgetSeconds: flags.timeBudget,
          seed: flags.seed,
          k: flags.k,
          selection: flags.selection,
          defaults,
          earlyStoppingRounds: options.model.earlyStoppingRounds,
          onTrial: (trial, best) => {
            bar.update(trial.trial + 1);
            output.status(
              `  trial ${trial.trial}: AP ${trial.mean.average_precision.toFixed(4)}, CP@${flags.k} ${trial.mean.card_precision_at_k.toFixed(3)} (best: trial ${best.trial}, AP ${best.mean.average_precision.toFixed(4)})`,
            );
          },
        });
      } finally {
        bar.stop();
      }
    },
  );
  const set = parameterSetOf(flags, spec.name, options.model.earlyStoppingRounds, result, data.startDate);
  writeParameterSet(flags.out, set);
  return { set, result, out: flags.out };
}

/** `tune --backend databricks`: the search as a job run, its winner written as the local backend writes it. */
async function runTuneOnDatabricks(
  flags: TuneFlags,
  command: Command,
  output: Output,
): Promise<{ set: ParameterSet; result: TuneResult; out: string; databricks: DatabricksTuneSummary['run'] }> {
  const model = localTrainOptions({ ...flags, data: undefined }).model;
  const { runDatabricksTuneCommand } = await import('./tune-databricks.js');
  const run = await runDatabricksTuneCommand(flags, command, output, defaultTrialParams(flags, model));
  const set = parameterSetOf(
    flags,
    run.databricks.featureSpec.name,
    model.earlyStoppingRounds,
    run.result,
    run.dayZero,
  );
  writeParameterSet(flags.out, set);
  return { set, result: run.result, out: flags.out, databricks: run.databricks.run };
}

export function registerTune(program: Command, context: CliContext): void {
  const command = program
    .command('tune')
    .description(
      'Search hyperparameters on prequential folds before the test window; write the winner as a parameter set.',
    )
    .addOption(
      new Option('--backend <backend>', 'where the features and the search run')
        .choices(['local', 'databricks'])
        .default('local'),
    );
  addDatabricksTuneFlags(addTrainingFlags(command, { spec: 'v2' }))
    .option(
      '--trials <n>',
      "trials at most (trial 0 is the flags' own parameters)",
      numberFlag('--trials', { integer: true, min: 1 }),
      30,
    )
    .option(
      '--time-budget <seconds>',
      'start no new trial after this many seconds (0: no limit)',
      numberFlag('--time-budget', { min: 0 }),
      0,
    )
    .option(
      '--folds <n>',
      'prequential folds, each one test length earlier',
      numberFlag('--folds', { integer: true, min: 1, max: 12 }),
      3,
    )
    .option('--out <file>', 'where the winning parameter set is written', 'params/tuned.json')
    .option('--set-name <name>', 'name recorded in the parameter set', 'tuned')
    .addOption(
      new Option(
        '--selection <rule>',
        'ap: best mean AP (card precision@k breaks ties); ap-se: best card precision@k among mean APs within one standard error of the best',
      )
        .choices([...SELECTION_RULES])
        .default('ap'),
    )
    .addHelpText('after', EXAMPLES)
    .action(async (raw: TuneFlags) => {
      const flags = applyParameterSet(raw, command);
      const output = context.output(Boolean(flags.json));
      const ran: Awaited<ReturnType<typeof runTune>> & { databricks?: DatabricksTuneSummary['run'] } =
        flags.backend === 'databricks'
          ? await runTuneOnDatabricks(flags, command, output)
          : await runTune(flags, output);
      printOutcome(ran, flags, output);
    });
}

/** The table of trials, the winner and where it was written; --json: one object with all of it. */
function printOutcome(
  ran: Awaited<ReturnType<typeof runTune>> & { databricks?: DatabricksTuneSummary['run'] },
  flags: TuneFlags,
  output: Output,
): void {
  const { set, result, out, databricks } = ran;
  output.line('');
  printTable(result, flags.k, output);
  output.line('');
  output.line(
    `${result.trials.length} trials${result.stopped === 'time-budget' ? ` (time budget of ${flags.timeBudget}s reached)` : ''}; winner trial ${result.best.trial} (--selection ${flags.selection}): mean AP ${result.best.mean.average_precision.toFixed(4)}, mean CP@${flags.k} ${result.best.mean.card_precision_at_k.toFixed(3)}`,
  );
  if (databricks)
    output.line(`databricks run ${databricks.runId} ${databricks.state}${databricks.url ? ` ${databricks.url}` : ''}`);
  output.line(`parameter set "${set.name}" written to ${out}; train with it: fraudops-train train --params ${out}`);
  output.result({
    parameterSet: set,
    out,
    stopped: result.stopped,
    trials: result.trials,
    ...(databricks ? { databricks } : {}),
  });
}
