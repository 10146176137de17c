/**
 * Runs async sections one at a time, in arrival order. The online feature state must see transactions in
 * one order even when a large batch yields to the event loop between chunks.
 */
export class Mutex {
  private tail: Promise<void> = Promise.resolve();

  async runExclusive<T>(section: () => Promise<T> | T): Promise<T> {
    const previous = this.tail;
    let unlock!: () => void;
    this.tail = new Promise<void>((resolve) => (unlock = resolve));
    await previous;
    try {
      return await section();
    } finally {
      unlock();
    }
  }
}

/** Lets timers, I/O and other requests (`/healthz`) run between two chunks of a large batch. */
export const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
