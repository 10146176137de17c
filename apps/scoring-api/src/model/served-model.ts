import type { InProcessPredictor } from './in-process-predictor.js';
import type { RowExplainer } from './row-explainer.js';

/** Baseline distribution of one quantity, as the model card stores it for drift monitoring. */
export interface BaselineDistribution {
  edges: number[];
  proportions: number[];
}

/** What the service needs to know about a loaded model, whichever registry and runtime it came from. */
export interface ServedModel {
  name: string;
  version: number;
  /** `models:/<name>/<version>`: the immutable version behind whatever alias was asked for. */
  uri: string;
  /** When the version was registered (ISO 8601). */
  created: string;
  featureSpec: { name: string; hash: string; features: readonly string[] };
  /** Alert when probability ≥ value. */
  threshold: { value: number; rule: string; rationale: string };
  /** Test-window metrics from the card, by evaluation-library name. */
  metrics: Record<string, { value: number; ci?: { lower: number; upper: number; level: number } }>;
  driftBaseline?: { score: BaselineDistribution; features: Record<string, BaselineDistribution> };
  /**
   * Reason codes on the margin scale (TreeSHAP or linear terms), or why this model cannot give them (it is
   * served all the same).
   */
  explainer: RowExplainer | { unavailable: string };
  /** Fraud probabilities for `rows` feature vectors laid out row-major in `features` (`rows × F`), by onnxruntime. */
  score(features: Float32Array, rows: number): Promise<Float32Array>;
  /**
   * The same probabilities computed synchronously in this process (tree ensembles: the TypeScript predictor the
   * ONNX export is pinned bit-identical to); absent for models only onnxruntime scores. Small batches use it.
   */
  predictInProcess?: InProcessPredictor;
  /** Frees the runtime session. Called once no request uses the model any more. */
  dispose(): Promise<void>;
}

/** Where models come from: resolves `models:/` URIs and loads the versions they name. */
export interface ModelSource {
  /** The version a URI points at right now, without loading the model. */
  resolveVersion(uri: string): Promise<{ name: string; version: number }>;
  /** Loads the model a URI points at (card checked, runtime session created). */
  load(uri: string): Promise<ServedModel>;
}
