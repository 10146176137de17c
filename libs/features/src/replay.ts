import type { TransactionColumns } from '@fraudops/transactions';
import { DAY_US, toEpochUs } from './calendar.js';
import { FeaturesError } from './errors.js';
import { OnlineFeatureState } from './online.js';

export interface ReplayOptions {
  /**
   * Days after its transaction that a label is recorded: before the first transaction at or after
   * x.t + delay. @defaultValue the spec's smallest label-feature delay (the latest moment the SQL path
   * assumes a label known), or 0 when no feature reads labels
   */
  labelDelayDays?: number;
  /** Called every `progressEvery` transactions with the count done. */
  onProgress?: (done: number) => void;
  progressEvery?: number;
}

/**
 * Streams columnar transactions (in time order) through an online state, recording each fraud label as soon
 * as it is due — exactly what a scoring service that receives feedback D days later sees. Returns the
 * vectors row-major (length × width), the online twin of the SQL path's feature table.
 */
export function replayWithDelayedLabels(
  state: OnlineFeatureState,
  columns: TransactionColumns,
  options: ReplayOptions = {},
): Float64Array {
  const width = state.width;
  const n = columns.length;
  const values = new Float64Array(n * width);
  const labels = columns.txFraud;
  if (state.plan.usesLabels && !labels) {
    throw new FeaturesError(
      'LABELS_REQUIRED',
      `feature spec "${state.plan.spec.name}" needs tx_fraud labels to replay`,
    );
  }
  const delayUs = (options.labelDelayDays ?? state.plan.labelDelayDays ?? 0) * DAY_US;
  const every = options.progressEvery ?? 100_000;
  const { transactionId, txDatetime, customerId, terminalId, txAmount } = columns;
  const out = new Float64Array(width);
  let labelled = 0;
  for (let i = 0; i < n; i++) {
    const timeUs = toEpochUs(txDatetime[i]);
    if (labels) {
      while (labelled < i && toEpochUs(txDatetime[labelled]) + delayUs <= timeUs) {
        state.recordLabel(transactionId[labelled], labels[labelled]);
        labelled++;
      }
    }
    state.processInto(transactionId[i], txDatetime[i], customerId[i], terminalId[i], txAmount[i], out);
    values.set(out, i * width);
    if (options.onProgress && (i + 1) % every === 0) options.onProgress(i + 1);
  }
  return values;
}
