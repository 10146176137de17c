import { binFeatureMatrix, fitFeatureBins } from './binning.js';
import { HISTOGRAM_STRIDE, compileHistogramKernel, histogramKernelSource, histogramLayout } from './histogram.js';
import { syntheticFraudData } from './testing/synthetic.js';

describe('histogram kernels', () => {
  const { features } = syntheticFraudData(5_000, 11);
  const bins = fitFeatureBins(features);
  const { codes, rows } = binFeatureMatrix(features, bins);
  const layout = histogramLayout(bins);
  const gradHess = new Float32Array(2 * rows);
  for (let r = 0; r < rows; r++) {
    gradHess[2 * r] = Math.fround(Math.sin(r) * 0.7);
    gradHess[2 * r + 1] = Math.fround(0.05 + (r % 17) / 40);
  }
  const allFeatures = Array.from({ length: features.cols }, (_, f) => f);

  /** Each bin's sums in ascending row order, one feature and one row at a time. */
  function plainHistogram(rowList: ArrayLike<number>, features: number[]): Float64Array {
    const hist = new Float64Array(layout.size);
    for (const f of features) {
      for (let i = 0; i < rowList.length; i++) {
        const r = rowList[i];
        const b = (layout.featureOffset[f] + codes[f * rows + r]) * HISTOGRAM_STRIDE;
        hist[b] += gradHess[2 * r];
        hist[b + 1] += gradHess[2 * r + 1];
        hist[b + 2] += 1;
      }
    }
    return hist;
  }

  it('sums rows read directly (no row index) to the same bits as rows gathered through an identity index', () => {
    const kernel = compileHistogramKernel(histogramKernelSource(allFeatures, layout, rows, true));
    const identity = Uint32Array.from({ length: rows }, (_, i) => i);
    const direct = new Float64Array(layout.size);
    const gathered = new Float64Array(layout.size);
    kernel(codes, gradHess, direct, null, 0, rows);
    kernel(codes, gradHess, gathered, identity, 0, rows);
    expect(direct).toEqual(gathered);
    expect(direct).toEqual(plainHistogram(identity, allFeatures));
  });

  it('reads in-order rows four at a time to the same bits, for any row count and range', () => {
    // An odd row count puts every column at a different alignment; ranges start and end between words.
    const odd = syntheticFraudData(4_999, 5);
    const oddBins = fitFeatureBins(odd.features);
    const oddCodes = binFeatureMatrix(odd.features, oddBins).codes;
    const oddLayout = histogramLayout(oddBins);
    const n = odd.features.rows;
    const identity = Uint32Array.from({ length: n }, (_, i) => i);
    for (const subset of [allFeatures, [0, 2, 3, 5]]) {
      for (const countRows of [false, true]) {
        const kernel = compileHistogramKernel(histogramKernelSource(subset, oddLayout, n, countRows));
        for (const [begin, end] of [
          [0, n],
          [1, n - 2],
          [3, 6],
          [5, 7],
        ]) {
          const direct = new Float64Array(oddLayout.size);
          const gathered = new Float64Array(oddLayout.size);
          kernel(oddCodes, gradHess, direct, null, begin, end);
          kernel(oddCodes, gradHess, gathered, identity, begin, end);
          expect(direct).toEqual(gathered);
        }
      }
    }
  });

  it('sums a node range of the row index for a feature subset, counting rows only when asked', () => {
    const rowIndex = Uint32Array.from({ length: rows }, (_, i) => (i * 7) % rows);
    const subset = [1, 3, 5];
    const begin = 1_000;
    const end = 3_500;
    const counted = new Float64Array(layout.size);
    const uncounted = new Float64Array(layout.size);
    compileHistogramKernel(histogramKernelSource(subset, layout, rows, true))(
      codes,
      gradHess,
      counted,
      rowIndex,
      begin,
      end,
    );
    compileHistogramKernel(histogramKernelSource(subset, layout, rows, false))(
      codes,
      gradHess,
      uncounted,
      rowIndex,
      begin,
      end,
    );
    const expected = plainHistogram(rowIndex.subarray(begin, end), subset);
    expect(counted).toEqual(expected);
    let rowsCounted = 0;
    for (let b = 0; b < layout.totalBins; b++) {
      rowsCounted += counted[b * HISTOGRAM_STRIDE + 2];
      expect(uncounted[b * HISTOGRAM_STRIDE]).toBe(expected[b * HISTOGRAM_STRIDE]);
      expect(uncounted[b * HISTOGRAM_STRIDE + 1]).toBe(expected[b * HISTOGRAM_STRIDE + 1]);
      expect(uncounted[b * HISTOGRAM_STRIDE + 2]).toBe(0);
    }
    expect(rowsCounted).toBe(subset.length * (end - begin));
  });
});
