import type { Output } from '@fraudops/cli';

/** Wall time of each pipeline stage, in seconds, in the order they ran. */
export type StageTimings = Record<string, number>;

/**
 * Runs named stages one after another, announcing each on a TTY and recording how long it took, so a
 * user sees where the time goes and `--json` carries the same figures.
 */
export class StageRunner {
  readonly timings: StageTimings = {};

  constructor(private readonly output: Output) {}

  async run<T>(name: string, description: string, work: () => Promise<T> | T): Promise<T> {
    const started = performance.now();
    this.output.status(`▸ ${description}…`);
    const result = await work();
    const seconds = (performance.now() - started) / 1000;
    this.timings[name] = Math.round(seconds * 1000) / 1000;
    this.output.status(`  ${name} done in ${seconds.toFixed(2)} s`);
    return result;
  }
}
