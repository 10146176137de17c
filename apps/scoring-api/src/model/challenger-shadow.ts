import type { Logger } from '../logger.js';
import type { RecentWindow } from '../monitoring/recent-window.js';
import { scoreInChunks } from './chunked-scoring.js';
import { ref } from './model-lifecycle.js';
import type { ModelSlot } from './model-slot.js';

/** Most challenger rows waiting to be shadow-scored; beyond it, shadowing skips rows rather than lag. */
const SHADOW_BACKLOG_ROWS = 50_000;

/**
 * Shadow scoring: rows the champion answered are scored by the challenger off the response path (after
 * the response is on its way), and its probabilities are attached to the same rows of the recent window.
 */
export class ChallengerShadow {
  private backlog = 0;
  private skipped = 0;

  constructor(
    private readonly challenger: ModelSlot,
    private readonly recent: RecentWindow,
    private readonly observe: (probability: number) => void,
    private readonly chunkRows: number,
    private readonly logger: Logger,
  ) {}

  /** Rows skipped because the challenger fell too far behind. */
  get rowsSkipped(): number {
    return this.skipped;
  }

  /** Queues `rows` vectors whose champion scores were pushed to the recent window starting at `first`. */
  enqueue(first: number, vectors: Float32Array, rows: number): void {
    if (!this.challenger.model) return;
    if (this.backlog + rows > SHADOW_BACKLOG_ROWS) {
      this.skipped += rows;
      return;
    }
    this.backlog += rows;
    setImmediate(() => {
      void this.score(first, vectors, rows).finally(() => (this.backlog -= rows));
    });
  }

  private async score(first: number, vectors: Float32Array, rows: number): Promise<void> {
    const lease = this.challenger.lease();
    if (!lease) return;
    try {
      const scores = await scoreInChunks(lease.model, vectors, rows, this.chunkRows);
      this.recent.attachChallenger(first, scores);
      for (let i = 0; i < rows; i++) this.observe(scores[i]);
    } catch (error) {
      this.logger.warn({ err: error, challenger: ref(lease.model) }, 'challenger scoring failed');
    } finally {
      lease.release();
    }
  }
}
