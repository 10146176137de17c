import { AnswerMemory } from './answer-memory.js';
import type { TransactionColumns } from './features/feature-pipeline.js';
import type { RowExplanation } from './model/row-explainer.js';

function columns(keys: number[]): TransactionColumns {
  const n = keys.length;
  const of = (f: (i: number) => number) => Float64Array.from({ length: n }, (_, i) => f(i));
  return {
    keys: Float64Array.from(keys),
    times: of((i) => 1_538_352_000 + i),
    customers: of((i) => i % 7),
    terminals: of((i) => i % 11),
    amounts: of((i) => 10 + i / 100),
  };
}

describe('AnswerMemory', () => {
  it('remembers the fields, holds the pending vector until the first answer, which stands', () => {
    const memory = new AnswerMemory(10);
    const batch = columns([5, 3e9, 2 ** 52 + 1]);
    const vectors = Float32Array.from([1, 2, 3, 4, 5, 6]);
    const slot = memory.remember(batch, 1, vectors, true);
    expect(memory.slotOf(3e9)).toBe(slot);
    expect(memory.sameFields(slot, batch, 1)).toBe(true);
    expect(memory.sameFields(slot, batch, 2)).toBe(false);
    expect([memory.answered(slot), memory.late(slot), memory.pendingRow(slot)]).toEqual([false, true, 1]);
    expect(memory.pendingVectors(slot)).toBe(vectors);
    expect(memory.answerOf(slot)).toBeUndefined();

    const explanation = { bias: 0.5 } as unknown as RowExplanation;
    memory.settle(slot, 3e9, 0.25, false, 0.9, 4, explanation);
    memory.settle(slot, 3e9, 0.75, true, 0.9, 5, undefined);
    expect(memory.answerOf(slot)).toEqual({
      probability: 0.25,
      decision: 'pass',
      threshold: 0.9,
      modelVersion: 4,
      late: true,
      explanation,
    });
    expect(memory.pendingVectors(slot)).toBeUndefined();
  });

  it('forgets the oldest ids once full; an answer for a slot reused by a newer id is dropped', () => {
    const memory = new AnswerMemory(2);
    const batch = columns([1, 2, 3]);
    const vectors = new Float32Array(3);
    const slots = [0, 1, 2].map((row) => memory.remember(batch, row, vectors, false));
    expect(slots).toEqual([0, 1, 0]);
    expect([memory.slotOf(1), memory.slotOf(2), memory.slotOf(3), memory.size]).toEqual([-1, 1, 0, 2]);
    memory.settle(slots[0], 1, 0.5, true, 0.4, 1, undefined);
    expect(memory.answered(0)).toBe(false);
    memory.settle(slots[2], 3, 0.5, true, 0.4, 1, undefined);
    expect(memory.answerOf(0)?.decision).toBe('alert');
  });

  it('records labels: unknown, known, repeated, changed', () => {
    const memory = new AnswerMemory(4);
    memory.remember(columns([7]), 0, new Float32Array(1), false);
    expect(memory.rememberLabel(8, 1)).toBe('unknown');
    expect([memory.rememberLabel(7, 1), memory.rememberLabel(7, 1), memory.rememberLabel(7, 0)]).toEqual([
      'known',
      'repeated',
      'known',
    ]);
  });

  it('holds nothing with capacity 0', () => {
    const memory = new AnswerMemory(0);
    expect(memory.remember(columns([1]), 0, new Float32Array(1), false)).toBe(-1);
    expect([memory.slotOf(1), memory.size, memory.rememberLabel(1, 1)]).toEqual([-1, 0, 'unknown']);
  });
});
