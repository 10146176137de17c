import type { BenchSuite } from '../suite.js';
import { simulatorSuite } from './simulator.js';
import { evaluationSuite } from './evaluation.js';
import { featuresSuite } from './features.js';
import { modelingSuite } from './modeling.js';
import { scoringSuite } from './scoring.js';
import { scoringAbSuite } from './scoring-ab.js';

/** Every suite `npm run bench -- <suite>` can run. Each issue that adds a benchmark adds it here. */
export const suites: BenchSuite[] = [
  simulatorSuite,
  evaluationSuite,
  featuresSuite,
  modelingSuite,
  scoringSuite,
  scoringAbSuite,
];
