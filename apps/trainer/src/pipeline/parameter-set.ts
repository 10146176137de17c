import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { TrainerError } from './errors.js';
import type { SelectionRule, TrialParams } from './tune.js';

/**
 * A named parameter set: what `tune` writes and `train --params` / `npm start` read. It carries the model
 * family, its hyperparameters, the feature spec they were chosen for, and how they were chosen.
 */
export interface ParameterSet {
  format: 'fraudops-parameter-set/1';
  name: string;
  featureSpec: string;
  model: TrialParams['model'];
  gbdt: TrialParams['gbdt'];
  logreg: TrialParams['logreg'];
  earlyStoppingRounds: number;
  selection?: {
    created: string;
    /** How the winner was chosen (`tune --selection`; sets written before it existed chose by `ap`). */
    rule?: SelectionRule;
    seed: number;
    trials: number;
    folds: Array<{
      fold: number;
      trainStart: string;
      test: [string, string];
      average_precision: number;
      card_precision_at_k: number;
    }>;
    meanAveragePrecision: number;
    meanCardPrecisionAtK: number;
    k: number;
  };
}

const GBDT_NUMBERS = [
  'nEstimators',
  'learningRate',
  'maxDepth',
  'numLeaves',
  'lambda',
  'minSplitGain',
  'minChildWeight',
  'minDataInLeaf',
  'subsample',
  'colsampleByTree',
  'scalePosWeight',
  'maxBins',
  'seed',
] as const;

function fail(path: string, problem: string): never {
  throw new TrainerError('INVALID_PARAMETER_SET', `--params ${path}: ${problem}`);
}

/** Reads and checks a parameter set; a bad field is named in the error. */
export function readParameterSet(path: string): ParameterSet {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new TrainerError(
      'PARAMETER_SET_NOT_FOUND',
      `--params ${path}: no such file (write one with \`fraudops-train tune --out ${path}\`)`,
    );
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    fail(path, `not JSON (${(error as Error).message})`);
  }
  const set = raw as Partial<ParameterSet>;
  if (typeof set !== 'object' || set === null) fail(path, 'expected a JSON object');
  if (set.format !== 'fraudops-parameter-set/1')
    fail(path, `format must be "fraudops-parameter-set/1", got ${JSON.stringify(set.format)}`);
  if (typeof set.name !== 'string' || set.name === '') fail(path, 'name must be a non-empty string');
  if (typeof set.featureSpec !== 'string') fail(path, 'featureSpec must be a feature spec name');
  if (set.model !== 'gbdt' && set.model !== 'logreg')
    fail(path, `model must be "gbdt" or "logreg", got ${JSON.stringify(set.model)}`);
  if (typeof set.gbdt !== 'object' || set.gbdt === null) fail(path, 'gbdt must be an object of GBDT parameters');
  for (const key of Object.keys(set.gbdt)) {
    const value = (set.gbdt as Record<string, unknown>)[key];
    if (key === 'growPolicy') {
      if (value !== 'depthwise' && value !== 'lossguide')
        fail(path, `gbdt.growPolicy must be "depthwise" or "lossguide", got ${JSON.stringify(value)}`);
    } else if (!(GBDT_NUMBERS as readonly string[]).includes(key)) {
      fail(path, `gbdt.${key} is not a GBDT parameter (known: ${GBDT_NUMBERS.join(', ')}, growPolicy)`);
    } else if (typeof value !== 'number' || !Number.isFinite(value)) {
      fail(path, `gbdt.${key} must be a number, got ${JSON.stringify(value)}`);
    }
  }
  if (
    typeof set.logreg !== 'object' ||
    set.logreg === null ||
    typeof set.logreg.l2 !== 'number' ||
    !(set.logreg.l2 >= 0)
  ) {
    fail(path, 'logreg.l2 must be a number ≥ 0');
  }
  if (!Number.isInteger(set.earlyStoppingRounds) || (set.earlyStoppingRounds as number) < 1)
    fail(path, 'earlyStoppingRounds must be a positive integer');
  return set as ParameterSet;
}

export function writeParameterSet(path: string, set: ParameterSet): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(set, null, 2)}\n`);
}
