import { durationFlag } from '../cli/databricks-flags.js';
import { defaultFeatureTable, splitDaysOf } from './databricks-features.js';
import { launchIdFor, predictionParity } from './databricks-train.js';

// The pure parts of the Databricks launcher; the SQL itself runs end to end on the emulator's warehouse
// (src/commands/train-databricks.spec.ts), where its test rows are compared with the local split's.

describe('the split on the warehouse', () => {
  it("gives the local split's days: validation at the end of training, test after the delay", () => {
    expect(
      splitDaysOf({ trainStart: 115, trainDays: 7, delayDays: 7, testDays: 7, validationDays: 1 }, '2018-04-01'),
    ).toEqual({
      train: [115, 120],
      validation: [121, 121],
      test: [129, 135],
      delayDays: 7,
    });
    // a date counts from the source's day 0
    expect(
      splitDaysOf(
        { trainStart: '2018-07-25', trainDays: 7, delayDays: 7, testDays: 7, validationDays: 0 },
        '2018-04-01',
      ),
    ).toEqual({ train: [115, 121], test: [129, 135], delayDays: 7 });
  });

  it('refuses a validation window as long as the training window', () => {
    expect(() =>
      splitDaysOf({ trainStart: 0, trainDays: 3, delayDays: 0, testDays: 1, validationDays: 3 }, '2018-04-01'),
    ).toThrow('--validation-days must be an integer from 0 to 2');
  });

  // The split tables' SQL and the table-name check live in @fraudops/features (src/split-tables.spec.ts).
  it('names the default feature table after its inputs', () => {
    const one = defaultFeatureTable('main.fraud.transactions', { days: [1, 2] });
    expect(one).toMatch(/^main\.fraud\.fraudops_features_[0-9a-f]{10}$/);
    expect(defaultFeatureTable('main.fraud.transactions', { days: [1, 2] })).toBe(one);
    expect(defaultFeatureTable('main.fraud.transactions', { days: [1, 3] })).not.toBe(one);
    expect(defaultFeatureTable('transactions', {})).toMatch(/^fraudops_features_/);
  });
});

describe('launch bookkeeping', () => {
  it('derives the launch folder from an idempotency token (a repeat finds it), else makes a fresh one', () => {
    expect(launchIdFor('gh-42-1')).toBe(launchIdFor('gh-42-1'));
    expect(launchIdFor('gh-42-1')).not.toBe(launchIdFor('gh-42-2'));
    const now = new Date('2026-01-02T03:04:05Z');
    expect(launchIdFor(undefined, now)).toMatch(/^20260102-030405-[0-9a-f]{8}$/);
    expect(launchIdFor(undefined, now)).not.toBe(launchIdFor(undefined, now));
  });

  it('compares ONNX with the run on every test row, refusing a missing or extra prediction', () => {
    const ids = Float64Array.of(7, 3, 9);
    const onnx = Float32Array.of(0.25, 0.5, 0.75);
    expect(
      predictionParity(
        ids,
        onnx,
        new Map([
          [3, 0.5],
          [7, 0.2500004],
          [9, 0.75],
        ]),
      ),
    ).toBeCloseTo(4e-7, 9);
    expect(() =>
      predictionParity(
        ids,
        onnx,
        new Map([
          [3, 0.5],
          [7, 0.25],
          [8, 0.75],
        ]),
      ),
    ).toThrow('the run has no prediction for test transaction 9');
    expect(() => predictionParity(ids, onnx, new Map([[3, 0.5]]))).toThrow(
      'the run predicted 1 test rows, but the test view has 3',
    );
  });

  it('reads durations with units', () => {
    const parse = durationFlag('--timeout');
    expect([parse('90'), parse('90s'), parse('30m'), parse('2h'), parse('500ms'), parse('1.5h')]).toEqual([
      90_000, 90_000, 1_800_000, 7_200_000, 500, 5_400_000,
    ]);
    expect(() => parse('soon')).toThrow('--timeout must be a duration like 90s, 30m or 2h, got "soon"');
  });
});
