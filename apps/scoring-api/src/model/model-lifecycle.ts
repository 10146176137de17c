import { errorMessage } from '@fraudops/core';
import { ScoringError } from '../errors.js';
import type { FeatureSpecIdentity } from '../features/feature-pipeline.js';
import type { Logger } from '../logger.js';
import type { ServiceMetrics } from '../metrics.js';
import { checkCandidate, smokeRows } from './candidate-checks.js';
import { ModelSlot, type ModelLease } from './model-slot.js';
import type { ModelSource, ServedModel } from './served-model.js';

export interface ModelRef {
  name: string;
  version: number;
}

export type ReloadStep =
  | { role: 'champion' | 'challenger'; status: 'swapped'; from: ModelRef | null; to: ModelRef }
  | { role: 'champion' | 'challenger'; status: 'unchanged'; model: ModelRef }
  | { role: 'champion' | 'challenger'; status: 'rejected'; kept: ModelRef | null; reason: string };

export type ModelRole = 'champion' | 'challenger';

export const ref = (model: ServedModel): ModelRef => ({ name: model.name, version: model.version });

export interface ModelLifecycleOptions {
  models: ModelSource;
  championUri: string;
  challengerUri?: string;
  /** The spec the service computes: a candidate must have been trained on it. */
  featureSpec: FeatureSpecIdentity;
  /** Recent live rows to try a candidate on (empty before traffic: the candidate checks use smoke rows). */
  sampleRows(limit: number): { features: Float32Array; rows: number };
  metrics: Pick<ServiceMetrics, 'reloads' | 'modelInfo'>;
  logger: Logger;
}

/**
 * Which model serves each role, and how models come and go: the first load, reloads that swap a model only
 * after it passed the candidate checks, and the slots that let a request keep the model it started with.
 */
export class ModelLifecycle {
  readonly champion: ModelSlot;
  readonly challenger: ModelSlot;
  private reloading = false;

  constructor(private readonly options: ModelLifecycleOptions) {
    const onDisposeError = (error: unknown, model: ServedModel) =>
      options.logger.warn({ err: error, model: ref(model) }, 'disposing a retired model failed');
    this.champion = new ModelSlot(onDisposeError);
    this.challenger = new ModelSlot(onDisposeError);
  }

  get challengerUri(): string | undefined {
    return this.options.challengerUri;
  }

  /** Loads the champion (and challenger); throws `STARTUP_FAILED` naming the URI and the reason. */
  async loadModels(): Promise<void> {
    const { championUri, challengerUri, logger } = this.options;
    const champion = await this.loadChecked(championUri, 'champion').catch((error: unknown) => {
      throw new ScoringError('STARTUP_FAILED', `Cannot serve ${championUri}: ${errorMessage(error)}`);
    });
    this.install('champion', champion);
    if (!challengerUri) return;
    try {
      this.install('challenger', await this.loadChecked(challengerUri, 'challenger'));
    } catch (error) {
      // A broken challenger must not take the champion down: log it, serve without shadowing.
      logger.error({ uri: challengerUri, reason: errorMessage(error) }, 'challenger not loaded; shadowing off');
    }
  }

  /** The champion, leased for one request; NOT_READY before the first load. */
  leaseChampion(): ModelLease {
    const lease = this.champion.lease();
    if (!lease) throw new ScoringError('NOT_READY', 'No model is loaded yet.');
    return lease;
  }

  /**
   * Re-resolves the champion (and challenger) URI. A candidate replaces the serving model only after it
   * loaded, matched the feature spec and scored sample rows into [0, 1]; otherwise the old model stays
   * and the step says why. Throws `RELOAD_IN_PROGRESS` when called during another reload.
   */
  async reload(options: { force?: boolean } = {}): Promise<ReloadStep[]> {
    if (this.reloading)
      throw new ScoringError('RELOAD_IN_PROGRESS', 'A reload is already running; try again when it ends.');
    this.reloading = true;
    const force = options.force ?? false;
    try {
      const steps = [await this.reloadRole('champion', this.options.championUri, force)];
      if (this.options.challengerUri)
        steps.push(await this.reloadRole('challenger', this.options.challengerUri, force));
      return steps;
    } finally {
      this.reloading = false;
    }
  }

  /** Takes both models out of service (after the HTTP server has drained). */
  close(): void {
    this.champion.clear();
    this.challenger.clear();
  }

  private async reloadRole(role: ModelRole, uri: string, force: boolean): Promise<ReloadStep> {
    const current = this.slotOf(role).model;
    const { logger, metrics, models } = this.options;
    try {
      if (current && !force) {
        const target = await models.resolveVersion(uri);
        if (target.name === current.name && target.version === current.version) {
          metrics.reloads.inc({ result: 'unchanged' });
          return { role, status: 'unchanged', model: ref(current) };
        }
      }
      const candidate = await this.loadChecked(uri, role);
      this.install(role, candidate);
      metrics.reloads.inc({ result: 'swapped' });
      logger.info({ role, from: current ? ref(current) : null, to: ref(candidate) }, 'model swapped');
      return { role, status: 'swapped', from: current ? ref(current) : null, to: ref(candidate) };
    } catch (error) {
      const reason = errorMessage(error);
      metrics.reloads.inc({ result: 'rejected' });
      logger.warn(
        { role, uri, reason, kept: current ? ref(current) : null },
        'reload rejected; previous model keeps serving',
      );
      return { role, status: 'rejected', kept: current ? ref(current) : null, reason };
    }
  }

  /** Loads a model and runs the candidate checks; disposes it and throws when a check fails. */
  private async loadChecked(uri: string, role: ModelRole): Promise<ServedModel> {
    const candidate = await this.options.models.load(uri);
    try {
      const width = this.options.featureSpec.features.length;
      const sample = this.options.sampleRows(256);
      const rows = sample.rows > 0 ? sample : smokeRows(candidate, width);
      await checkCandidate(candidate, this.options.featureSpec, rows.features, rows.rows);
      return candidate;
    } catch (error) {
      await candidate.dispose().catch(() => undefined);
      throw new ScoringError(
        'RELOAD_REJECTED',
        `${role} candidate ${uri} (version ${candidate.version}) failed a check: ${errorMessage(error)}`,
      );
    }
  }

  private install(role: ModelRole, model: ServedModel): void {
    const previous = this.slotOf(role).swap(model);
    const info = this.options.metrics.modelInfo;
    if (previous) info.remove({ role, name: previous.name, version: String(previous.version) });
    info.set({ role, name: model.name, version: String(model.version) }, 1);
    if (role === 'champion' && 'unavailable' in model.explainer) {
      this.options.logger.warn(
        { model: ref(model), reason: model.explainer.unavailable },
        'the champion cannot be explained: answers carry no reasons',
      );
    }
  }

  private slotOf(role: ModelRole): ModelSlot {
    return role === 'champion' ? this.champion : this.challenger;
  }
}
