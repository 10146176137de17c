import { OnnxScorer } from '@fraudops/modeling';
import {
  cardPrecisionMetricName,
  DEFAULT_GATE_RULES,
  promotionGate,
  type GateResult,
  type GateRule,
} from '@fraudops/evaluation';
import { RegistryError, type ModelRegistry, type ModelVersion } from '@fraudops/registry';
import type { WindowRows } from './split.js';

export interface GateOutcome {
  /** The alias the new version gets: `champion` when it passes (or there is no champion), else `challenger`. */
  alias: 'champion' | 'challenger';
  /** The champion it was compared with, when there was one. */
  champion?: { version: number; uri: string };
  /** The gate's verdict, absent when there was nothing comparable to gate against. */
  gate?: GateResult;
  /** One line for the alias history and the summary. */
  reason: string;
}

/** The evaluation library's default gate, with card precision taken at the run's k. */
export function defaultGateRules(k: number): GateRule[] {
  return DEFAULT_GATE_RULES.map((rule) =>
    rule.metric.startsWith('card_precision_at_') ? { ...rule, metric: cardPrecisionMetricName(k) } : rule,
  );
}

/** The version `@champion` points at, or undefined when the model or the alias does not exist yet. */
export async function currentChampion(registry: ModelRegistry, name: string): Promise<ModelVersion | undefined> {
  try {
    return await registry.resolve(`models:/${name}@champion`);
  } catch (error) {
    if (error instanceof RegistryError && (error.code === 'MODEL_NOT_FOUND' || error.code === 'ALIAS_NOT_FOUND'))
      return undefined;
    throw error;
  }
}

/**
 * The challenger against the current champion on the same test rows: the champion's ONNX graph scores the
 * very feature matrix the new model was evaluated on, and every gate rule gets a paired bootstrap.
 */
export async function gateAgainstChampion(
  registry: ModelRegistry,
  name: string,
  test: WindowRows,
  challengerScores: Float32Array,
  featureSpecHash: string,
  options: { rules?: GateRule[]; k: number; seed: number; resamples: number },
): Promise<GateOutcome> {
  const champion = await currentChampion(registry, name);
  if (!champion) return { alias: 'champion', reason: `no @champion for ${name} yet: the first model becomes champion` };
  const ref = { version: champion.version, uri: champion.uri };
  if (champion.card.featureSpec.hash !== featureSpecHash) {
    return {
      alias: 'challenger',
      champion: ref,
      reason: `champion v${champion.version} uses feature spec ${champion.card.featureSpec.name}#${champion.card.featureSpec.hash}, not ${featureSpecHash}: the two cannot be scored on the same vectors, so the new version waits as challenger for a manual decision`,
    };
  }
  const loaded = await registry.loadModel(champion.uri);
  const scorer = await OnnxScorer.load(loaded.onnx, { featureSpecHash, featureCount: test.matrix.cols });
  const championScores = await scorer.score(test.matrix.values).finally(() => scorer.release());
  const gate = promotionGate(
    {
      champion: championScores.probability,
      challenger: challengerScores,
      labels: test.labels,
      cardIds: test.cardIds,
      days: test.days,
      amounts: test.amounts,
    },
    options.rules ?? defaultGateRules(options.k),
    { k: options.k, bootstrap: { seed: options.seed, resamples: options.resamples } },
  );
  return {
    alias: gate.passed ? 'champion' : 'challenger',
    champion: ref,
    gate,
    reason: `gate vs champion v${champion.version}: ${gate.summary}`,
  };
}
