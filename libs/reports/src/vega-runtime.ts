import { EvaluationError, EvaluationErrorCode } from '@fraudops/evaluation';
import { errorMessage } from '@fraudops/core';

/**
 * The one place that loads vega and vega-lite. Both are ESM-only and heavy (~60 modules), so they are
 * imported lazily, on the first chart: metrics, thresholds and drift never pay for them, and an app
 * bundled by esbuild keeps them as external `import()`s resolved by Node at run time.
 */
type Vega = typeof import('vega');
type VegaLite = typeof import('vega-lite');
export type VegaLiteSpec = import('vega-lite').TopLevelSpec;

let loading: Promise<{ vega: Vega; vegaLite: VegaLite }> | undefined;

async function loadVega(): Promise<{ vega: Vega; vegaLite: VegaLite }> {
  loading ??= Promise.all([import('vega'), import('vega-lite')]).then(
    ([vega, vegaLite]) => ({ vega, vegaLite }),
    (error: unknown) => {
      loading = undefined;
      throw new EvaluationError(
        EvaluationErrorCode.renderFailed,
        `charts need the npm packages vega and vega-lite, which could not be loaded: ${errorMessage(error)}`,
        { cause: error },
      );
    },
  );
  return loading;
}

/** Renders a Vega-Lite spec to a standalone SVG string, entirely in Node (no browser, no canvas). */
export async function renderSvg(spec: VegaLiteSpec): Promise<string> {
  const { vega, vegaLite } = await loadVega();
  try {
    // warnings go nowhere: a chart either renders or fails loudly below
    const compiled = vegaLite.compile(spec, { logger: vega.logger(vega.Error) }).spec;
    const view = new vega.View(vega.parse(compiled), { renderer: 'none', logLevel: vega.Error });
    try {
      return await view.toSVG();
    } finally {
      view.finalize();
    }
  } catch (error) {
    const title = typeof spec.title === 'string' ? spec.title : 'a chart';
    throw new EvaluationError(EvaluationErrorCode.renderFailed, `rendering ${title} failed: ${errorMessage(error)}`, {
      cause: error,
    });
  }
}
