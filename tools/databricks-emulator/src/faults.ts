/**
 * Fault injection: make the next matching requests slow, answer 429/503 (with `Retry-After`), or lose the
 * connection — before the request is handled, or after (the work is done but the answer never arrives,
 * which is what makes idempotency tokens matter).
 */
export interface FaultMatch {
  /** HTTP method to match. @defaultValue any */
  method?: string;
  /** A path prefix (string) or pattern. @defaultValue any path */
  path?: string | RegExp;
}

export type FaultEffect =
  | { latencyMs: number }
  | { status: 429 | 500 | 502 | 503 | 504; retryAfterSeconds?: number; errorCode?: string; message?: string }
  | { drop: 'before' | 'after' };

export type FaultRule = FaultMatch &
  FaultEffect & {
    /** How many matching requests the fault applies to. @defaultValue 1 */
    times?: number;
  };

interface ActiveFault {
  rule: FaultRule;
  remaining: number;
}

export class FaultInjector {
  #faults: ActiveFault[] = [];
  /** How many requests each fault has hit so far, in injection order. */
  readonly hits: number[] = [];

  /** Adds a fault; faults are checked in the order they were added and the first match applies. */
  inject(rule: FaultRule): this {
    this.#faults.push({ rule, remaining: rule.times ?? 1 });
    this.hits.push(0);
    return this;
  }

  clear(): void {
    this.#faults = [];
    this.hits.length = 0;
  }

  /** The fault for this request (consuming one of its `times`), or undefined. */
  take(method: string, path: string): FaultEffect | undefined {
    for (const [index, fault] of this.#faults.entries()) {
      if (fault.remaining <= 0) continue;
      const { rule } = fault;
      if (rule.method && rule.method.toUpperCase() !== method) continue;
      if (typeof rule.path === 'string' && !path.startsWith(rule.path)) continue;
      if (rule.path instanceof RegExp && !rule.path.test(path)) continue;
      fault.remaining--;
      this.hits[index]++;
      return rule;
    }
    return undefined;
  }
}

/** The JSON form of a fault (admin endpoint): like {@link FaultRule}, with `pathPattern` for a regex. */
export function faultFromJson(body: Record<string, unknown>): FaultRule {
  const { pathPattern, ...rest } = body;
  return {
    ...(rest as object),
    ...(typeof pathPattern === 'string' ? { path: new RegExp(pathPattern) } : {}),
  } as FaultRule;
}
