import { aucRoc, averagePrecision } from '@fraudops/evaluation';
import type { FeatureTable } from '@fraudops/features';
import type { TransactionColumns } from '@fraudops/transactions';
import { predictInProcess, trainModel, type ModelOptions } from './model.js';
import { prepareSplit, type SplitOptions } from './split.js';

/** One prequential fold: the same model settings trained and tested one test length earlier per fold. */
export interface PrequentialFold {
  fold: number;
  trainStartDay: number;
  testDays: [number, number];
  auc_roc: number;
  average_precision: number;
}

export interface PrequentialSummary {
  folds: PrequentialFold[];
  mean: { auc_roc: number; average_precision: number };
  std: { auc_roc: number; average_precision: number };
}

function meanStd(values: number[]): { mean: number; std: number } {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const variance = values.length > 1 ? values.reduce((a, b) => a + (b - mean) ** 2, 0) / (values.length - 1) : 0;
  return { mean, std: Math.sqrt(variance) };
}

/**
 * Prequential validation (the handbook's chapter 5): fold k trains and tests the same settings with the
 * training start moved back k test lengths, so the spread over folds shows how stable the model is over time.
 * Fold 0 is the main split.
 */
export async function prequentialValidation(
  table: FeatureTable,
  columns: TransactionColumns,
  startDate: string,
  split: SplitOptions & { trainStartDay: number },
  model: ModelOptions,
  folds: number,
): Promise<PrequentialSummary> {
  const results: PrequentialFold[] = [];
  for (let fold = 0; fold < folds; fold++) {
    const trainStartDay = split.trainStartDay - fold * split.testDays;
    const windows = prepareSplit(table, columns, startDate, { ...split, trainStart: trainStartDay });
    const trained = await trainModel(windows, table.names, model);
    const scores = predictInProcess(trained, windows.test.matrix);
    results.push({
      fold,
      trainStartDay,
      testDays: windows.test.period,
      auc_roc: aucRoc(scores, windows.test.labels),
      average_precision: averagePrecision(scores, windows.test.labels),
    });
  }
  const auc = meanStd(results.map((r) => r.auc_roc));
  const ap = meanStd(results.map((r) => r.average_precision));
  return {
    folds: results,
    mean: { auc_roc: auc.mean, average_precision: ap.mean },
    std: { auc_roc: auc.std, average_precision: ap.std },
  };
}
