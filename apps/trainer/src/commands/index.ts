import type { CliContext } from '@fraudops/cli';
import type { Command } from 'commander';
import { registerStart } from './start.js';
import { registerSimulate } from './simulate.js';
import { registerEvaluate } from './evaluate.js';
import { registerTrain } from './train.js';
import { registerFeatures } from './features.js';
import { registerDeployJob } from './deploy-job.js';
import { registerRuns } from './runs.js';
import { registerExplain } from './explain.js';
import { registerTune } from './tune.js';
import { registerQuality } from './quality.js';
import { registerModels } from './models.js';
import { registerPublishData } from './publish-data.js';
import { registerBundle } from './bundle.js';

/** Each command registers itself on the program; one line per command file. */
export const commands: Array<(program: Command, context: CliContext) => void> = [
  registerStart,
  registerSimulate,
  registerEvaluate,
  registerTrain,
  registerFeatures,
  registerDeployJob,
  registerRuns,
  registerExplain,
  registerTune,
  registerQuality,
  registerModels,
  registerPublishData,
  registerBundle,
];
