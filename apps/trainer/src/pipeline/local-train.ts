import { execFileSync } from 'node:child_process';
import type { GateRule } from '@fraudops/evaluation';
import {
  builtInFeatureSpec,
  computeFeatures,
  featureSpecHash,
  planFeatures,
  type FeatureSpec,
  type FeatureTable,
} from '@fraudops/features';
import { DuckDbSqlEngine } from '@fraudops/features-sql';
import { openRegistry, type ModelRegistry } from '@fraudops/registry';
import { fingerprintTransactions, type DatasetField, type SimulationParams } from '@fraudops/transactions';
import type { OnInvalid } from '@fraudops/transactions-io';
import type { Output } from '@fraudops/cli';
import { prepareData, type PreparedData } from './data.js';
import { exportAndCheck, trainModel, type ModelOptions } from './model.js';
import { prequentialValidation, type PrequentialSummary } from './prequential.js';
import { publishModel, type PeriodSummary, type PublishResult } from './publish.js';
import { prepareSplit, type SplitOptions, type WindowRows } from './split.js';
import { StageRunner, type StageTimings } from './stages.js';

export interface LocalTrainOptions {
  dataPath?: string;
  columns?: Partial<Record<DatasetField, string>>;
  onInvalid?: OnInvalid;
  simulation?: Partial<SimulationParams>;
  cacheDir: string;
  specName: string;
  split: SplitOptions;
  model: ModelOptions;
  /** `budget:100`, `cost:5`, … */
  thresholdPolicy: string;
  /** k of card precision@k and precision@k. */
  k: number;
  /** Seed of the bootstrap intervals and the gate's resampling. */
  seed: number;
  bootstrapResamples: number;
  registryUri: string;
  modelName: string;
  gateRules?: GateRule[];
  /** Train and evaluate, but register nothing. */
  dryRun: boolean;
  /** Prequential folds to validate the settings on (0: none; fold 0 is the main split). */
  prequentialFolds?: number;
}

export interface TrainSummary extends PublishResult {
  data: {
    source: string;
    fingerprint: string;
    rows: number;
    train: PeriodSummary;
    validation?: PeriodSummary;
    test: PeriodSummary;
  };
  featureSpec: { name: string; hash: string; features: number };
  parity: { maxAbsDifference: number };
  /** The model's parameters as trained (defaults filled in), as in the model card (local training). */
  params?: Record<string, unknown>;
  /** Present with --prequential: AUC/AP per fold, their mean and standard deviation. */
  prequential?: PrequentialSummary;
  timings: StageTimings;
}

export function gitCommit(): string | null {
  try {
    const sha = execFileSync('git', ['rev-parse', 'HEAD'], { stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .trim();
    return /^[0-9a-f]{7,64}$/.test(sha) ? sha : null;
  } catch {
    return null;
  }
}

function dayToDate(startDate: string, day: number): string {
  return new Date(Date.parse(`${startDate}T00:00:00Z`) + day * 86_400_000).toISOString().slice(0, 10);
}

export function period(window: WindowRows, startDate: string): PeriodSummary {
  let frauds = 0;
  for (let i = 0; i < window.labels.length; i++) frauds += window.labels[i];
  return {
    start: dayToDate(startDate, window.period[0]),
    end: dayToDate(startDate, window.period[1]),
    rows: window.rows.length,
    frauds,
  };
}

/** The days a split needs features for: from the first training day to the last test day (inclusive). */
export function splitDays(split: SplitOptions, startDate: string): [number, number] {
  const first =
    typeof split.trainStart === 'number'
      ? split.trainStart
      : Math.round((Date.parse(`${split.trainStart}T00:00:00Z`) - Date.parse(`${startDate}T00:00:00Z`)) / 86_400_000);
  return [first, first + split.trainDays + split.delayDays + split.testDays - 1];
}

/**
 * Features for the split's days only. Rows before the first training day are read just as far back as the
 * longest window (+ delay) reaches, so every feature of a training or test row sees its whole history —
 * and DuckDB reads a third of the default dataset instead of all of it.
 */
export async function features(data: PreparedData, spec: FeatureSpec, split: SplitOptions): Promise<FeatureTable> {
  const plan = planFeatures(spec);
  const [firstDay, lastDay] = splitDays(split, data.startDate);
  const dayZero = Date.parse(`${data.startDate}T00:00:00Z`);
  const from = new Date(dayZero + firstDay * 86_400_000 - plan.longestSpanUs / 1000).toISOString();
  const to = new Date(dayZero + (lastDay + 1) * 86_400_000).toISOString();
  const engine = await DuckDbSqlEngine.open();
  try {
    await engine.registerFile('transactions_file', data.parquetPath);
    await engine.execute(
      `CREATE VIEW transactions AS SELECT * FROM transactions_file WHERE tx_datetime >= TIMESTAMP '${from.slice(0, 19).replace('T', ' ')}' AND tx_datetime < TIMESTAMP '${to.slice(0, 19).replace('T', ' ')}'`,
    );
    return await computeFeatures(engine, plan, { source: 'transactions' });
  } finally {
    await engine.close();
  }
}

/**
 * The local training pipeline: data → features (DuckDB) → split → train → ONNX (parity-checked) →
 * evaluate → gate against the champion → register with an alias. Every stage is timed.
 */
// eslint-disable-next-line max-lines-per-function -- the pipeline's stages in order, each a timed call to a library; splitting would only pass the stage runner around
export async function runLocalTraining(
  options: LocalTrainOptions,
  output: Output,
  registry: ModelRegistry = openRegistry(options.registryUri),
): Promise<TrainSummary> {
  const stages = new StageRunner(output);
  const spec = builtInFeatureSpec(options.specName);
  const specHash = featureSpecHash(spec);

  const data = await stages.run(
    'data',
    options.dataPath ? `reading ${options.dataPath}` : 'preparing simulated transactions',
    () => prepareData({ ...options, progress: (label, total) => output.progress(label, total) }),
  );
  const fingerprint = fingerprintTransactions(data.columns);
  const folds = options.prequentialFolds ?? 0;
  const [trainStartDay] = splitDays(options.split, data.startDate);
  // prequential folds reach back (folds − 1) test lengths before the main split
  const featureRange =
    folds > 1
      ? {
          ...options.split,
          trainStart: trainStartDay - (folds - 1) * options.split.testDays,
          trainDays: options.split.trainDays + (folds - 1) * options.split.testDays,
        }
      : options.split;
  const table = await stages.run('features', `computing ${spec.features.length} features with DuckDB`, () =>
    features(data, spec, featureRange),
  );
  const split = await stages.run('split', 'splitting into train, validation and test windows', () =>
    prepareSplit(table, data.columns, data.startDate, options.split),
  );
  const trained = await stages.run(
    'train',
    `training ${options.model.kind} on ${split.train.rows.length.toLocaleString('en-US')} transactions`,
    async () => {
      const bar =
        options.model.kind === 'gbdt' ? output.progress('boosting', options.model.gbdt.nEstimators ?? 100) : undefined;
      try {
        return await trainModel(split, table.names, options.model, bar);
      } finally {
        bar?.stop();
      }
    },
  );
  const exported = await stages.run('export', 'exporting to ONNX and checking onnxruntime parity', () =>
    exportAndCheck(trained, split, { names: table.names, specHash, modelName: options.modelName }),
  );
  const prequential =
    folds > 0
      ? await stages.run('prequential', `prequential validation on ${folds} folds`, () =>
          prequentialValidation(
            table,
            data.columns,
            data.startDate,
            { ...options.split, trainStartDay },
            options.model,
            folds,
          ),
        )
      : undefined;
  const published = await publishModel(
    {
      modelName: options.modelName,
      model: { algorithm: trained.kind, producer: `fraudops ${trained.kind}`, rounds: trained.rounds },
      params: {
        ...trained.params,
        rounds: trained.rounds,
        earlyStopping: trained.earlyStopping ?? null,
        importanceByGain: trained.importance ?? null,
        prequential: prequential ?? null,
      },
      onnx: exported.onnx,
      testScores: exported.testScores,
      test: split.test,
      featureSpec: { name: spec.name, hash: specHash, names: table.names },
      trainingData: {
        fingerprint,
        source: data.source,
        train: period(split.train, data.startDate),
        validation: split.validation ? period(split.validation, data.startDate) : undefined,
        delayDays: split.delayDays,
        test: period(split.test, data.startDate),
      },
    },
    options,
    stages,
    registry,
    gitCommit(),
  );
  return {
    ...published,
    data: {
      source: data.source,
      fingerprint,
      rows: data.columns.length,
      train: period(split.train, data.startDate),
      validation: split.validation ? period(split.validation, data.startDate) : undefined,
      test: period(split.test, data.startDate),
    },
    featureSpec: { name: spec.name, hash: specHash, features: table.names.length },
    parity: { maxAbsDifference: exported.maxParityError },
    params: trained.params,
    ...(prequential ? { prequential } : {}),
    timings: stages.timings,
  };
}
