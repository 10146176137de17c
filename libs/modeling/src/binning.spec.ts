import { binFeatureMatrix, fewDistinctValues, fitFeatureBins, missingBin } from './binning.js';
import { syntheticFraudData } from './testing/synthetic.js';

describe('quantile binning', () => {
  const { features } = syntheticFraudData(20_000, 1);

  it('gives every value the bin whose float32 bounds enclose it, and NaN the missing bin', () => {
    const bins = fitFeatureBins(features);
    const binned = binFeatureMatrix(features, bins);
    for (let f = 0; f < features.cols; f++) {
      const bounds = bins.upperBounds[f];
      expect(bounds.length).toBeLessThanOrEqual(255);
      expect(bounds[bounds.length - 1]).toBe(Infinity);
      let wrong = 0;
      for (let r = 0; r < features.rows; r++) {
        const x = features.values[r * features.cols + f];
        const code = binned.codes[f * features.rows + r];
        if (Number.isNaN(x)) {
          if (code !== missingBin(bins, f)) wrong++;
        } else if (!(x <= bounds[code]) || (code > 0 && !(x > bounds[code - 1]))) {
          wrong++;
        }
      }
      expect(wrong).toBe(0);
      if (f === 5) expect(binned.codes.subarray(5 * features.rows, 6 * features.rows)).toContain(missingBin(bins, 5));
      for (const bound of bounds) expect(Math.fround(bound)).toBe(bound);
    }
  });

  it('bins every float32 right near bounds, around zero, among subnormals and at the infinities', () => {
    const next = (x: number, step: number) => {
      const bits = new Int32Array(Float32Array.of(x).buffer);
      bits[0] += x >= 0 ? step : -step;
      return new Float32Array(bits.buffer)[0];
    };
    // Bounds that share key buckets (1 and its float32 neighbours) and bounds far apart.
    const bounds = Float32Array.of(-1e30, -3, -1e-40, 0, 1e-41, 1, next(1, 1), next(1, 3), 5, 1e30, Infinity);
    const values: number[] = [-Infinity, Infinity, -0, 0, NaN, 3.4e38, -3.4e38, 1e-45, -1e-45];
    for (const bound of bounds.subarray(0, bounds.length - 1))
      values.push(bound, next(bound, 1), next(bound, -1), next(bound, 2000), next(bound, -2000));
    const matrix = { rows: values.length, cols: 1, values: Float32Array.from(values) };
    const binned = binFeatureMatrix(matrix, { upperBounds: [bounds] });
    matrix.values.forEach((x, r) => {
      const code = binned.codes[r];
      if (Number.isNaN(x)) expect(code).toBe(bounds.length);
      // The first bin whose bound is ≥ x.
      else expect([x, code]).toEqual([x, bounds.findIndex((bound) => x <= bound)]);
    });
  });

  it('keeps one bin per distinct value when there are few (binary flag, integer count)', () => {
    const bins = fitFeatureBins(features);
    expect(bins.upperBounds[1].length).toBe(2); // flag 0/1
    expect(bins.upperBounds[2].length).toBe(10); // counts 0..9
    expect(Array.from(bins.upperBounds[1])).toEqual([0.5, Infinity]);
  });

  it('spreads a continuous feature over roughly equal-count bins within maxBins', () => {
    const bins = fitFeatureBins(features, { maxBins: 16 });
    const binned = binFeatureMatrix(features, bins);
    const counts = new Array(17).fill(0);
    for (let r = 0; r < features.rows; r++) counts[binned.codes[3 * features.rows + r]]++;
    expect(bins.upperBounds[3].length).toBe(16);
    for (let b = 0; b < 16; b++) {
      expect(counts[b]).toBeGreaterThan(features.rows / 16 / 2);
      expect(counts[b]).toBeLessThan((features.rows / 16) * 2);
    }
  });

  it('gives a heavy value a bin of its own', () => {
    const rows = 10_000;
    const values = new Float32Array(rows);
    for (let i = 0; i < rows; i++) values[i] = i < 6000 ? 0 : i; // 60% zeros, then distinct values
    const bins = fitFeatureBins({ rows, cols: 1, values }, { maxBins: 8 });
    const binned = binFeatureMatrix({ rows, cols: 1, values }, bins);
    expect(binned.codes[0]).toBe(0);
    expect(binned.codes[5999]).toBe(0);
    expect(binned.codes[6000]).toBe(1);
    expect(bins.upperBounds[0][0]).toBeLessThan(6000);
  });

  it('finds every value of a feature with few over all rows, where a sample misses the rare ones', () => {
    // 0: counts 0..4 and 40 once (row 7,777); 1: −0, 0, NaN, 2.5; 2: a new value every row (dropped at row 16, its
    // 17th); 3: all missing; 4: exactly 16 values; 5: 17 values; 6: −0, +0 and +Infinity only; 7: 1 or 2, and 99
    // only in row 16 (the row in which 2 is dropped: 7, the last feature still in the pass, takes 2's place).
    const rows = 20_000;
    const cols = 8;
    const values = new Float32Array(rows * cols);
    for (let r = 0; r < rows; r++) {
      const row = [
        r === 7_777 ? 40 : r % 5,
        [-0, 0, Number.NaN, 2.5][r % 4],
        r / 7,
        Number.NaN,
        r % 16,
        r % 17,
        [-0, 0, Number.POSITIVE_INFINITY][r % 3],
        r === 16 ? 99 : 1 + (r % 2),
      ];
      values.set(row, r * cols);
    }
    const matrix = { rows, cols, values };
    const distinct = fewDistinctValues(matrix, 16).map((d) => (d ? Array.from(d) : d));
    expect(distinct[0]).toEqual([0, 1, 2, 3, 4, 40]);
    expect(distinct[1]).toEqual([-0, 2.5]); // −0 and 0 one value, −0 first as in the sorted column
    expect(distinct[2]).toBeUndefined();
    expect(distinct[3]).toEqual([]);
    expect(distinct[4]).toHaveLength(16);
    expect(distinct[5]).toBeUndefined();
    expect(distinct[6]).toEqual([-0, Number.POSITIVE_INFINITY]);
    expect(distinct[7]).toEqual([1, 2, 99]);
    // A 1,000-row sample (seeded) does not hold row 7,777; the bins still give 40 a bin of its own.
    const bins = fitFeatureBins(matrix, { maxBins: 16, sampleRows: 1_000 });
    expect(Array.from(bins.upperBounds[0])).toEqual([0.5, 1.5, 2.5, 3.5, 22, Infinity]);
    expect(bins.upperBounds[2]).toHaveLength(16); // quantiles of the sample
    // Every few-valued feature gets the bounds that sorting every row gives (no sampling), zeros' signs included.
    const all = fitFeatureBins(matrix, { maxBins: 16, sampleRows: rows });
    for (const f of [0, 1, 3, 4, 6, 7]) expect(Array.from(bins.upperBounds[f])).toEqual(Array.from(all.upperBounds[f]));
    expect(Array.from(all.upperBounds[6])).toEqual([-0, Infinity]);
    expect(() => fewDistinctValues(matrix, 512)).toThrow(expect.objectContaining({ code: 'INVALID_PARAMETER' }));
  });

  it('rejects more than 255 value bins', () => {
    expect(() => fitFeatureBins(features, { maxBins: 256 })).toThrow(
      expect.objectContaining({ code: 'INVALID_PARAMETER' }),
    );
  });
});
