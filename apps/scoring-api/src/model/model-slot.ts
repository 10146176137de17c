import type { ServedModel } from './served-model.js';

interface Holder {
  model: ServedModel;
  leases: number;
  retired: boolean;
}

/** A borrowed model: use `model` until `release()` is called (exactly once). */
export interface ModelLease {
  model: ServedModel;
  release(): void;
}

/**
 * The model currently serving one role (champion or challenger). A request leases the model it starts
 * with and keeps it to the end, so an atomic swap never changes the model under a running request, and
 * the old model is disposed only after its last lease is returned — no request fails during a swap.
 */
export class ModelSlot {
  private holder: Holder | undefined;

  constructor(private readonly onDisposeError: (error: unknown, model: ServedModel) => void = () => undefined) {}

  get model(): ServedModel | undefined {
    return this.holder?.model;
  }

  /** The current model, leased; undefined when nothing is loaded yet. */
  lease(): ModelLease | undefined {
    const holder = this.holder;
    if (!holder) return undefined;
    holder.leases++;
    let released = false;
    return {
      model: holder.model,
      release: () => {
        if (released) return;
        released = true;
        holder.leases--;
        if (holder.retired && holder.leases === 0) this.dispose(holder);
      },
    };
  }

  /** Puts `next` in service at once; the previous model is disposed when its last lease is released. */
  swap(next: ServedModel): ServedModel | undefined {
    const previous = this.holder;
    this.holder = { model: next, leases: 0, retired: false };
    if (previous) {
      previous.retired = true;
      if (previous.leases === 0) this.dispose(previous);
    }
    return previous?.model;
  }

  /** Takes the model out of service (shutdown). */
  clear(): void {
    const previous = this.holder;
    this.holder = undefined;
    if (previous) {
      previous.retired = true;
      if (previous.leases === 0) this.dispose(previous);
    }
  }

  private dispose(holder: Holder): void {
    holder.model.dispose().catch((error: unknown) => this.onDisposeError(error, holder.model));
  }
}
