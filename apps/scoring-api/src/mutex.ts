/**
 * Runs async sections one at a time, in arrival order. The online feature state must see transactions in
 * one order even when a large batch yields to the event loop between chunks.
 */
export class Mutex {
  private tail: Promise<void> = Promise.resolve();
  /** Sections running or waiting. */
  private pending = 0;

  /**
   * True when no section runs or waits: a caller may then run a synchronous section at once, without the
   * promise hops of {@link runExclusive} (nothing else can start while synchronous code runs).
   */
  get idle(): boolean {
    return this.pending === 0;
  }

  async runExclusive<T>(section: () => Promise<T> | T): Promise<T> {
    const previous = this.tail;
    let unlock!: () => void;
    this.tail = new Promise<void>((resolve) => (unlock = resolve));
    this.pending++;
    try {
      await previous;
      return await section();
    } finally {
      this.pending--;
      unlock();
    }
  }
}

/** Lets timers, I/O and other requests (`/healthz`) run between two chunks of a large batch. */
export const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
