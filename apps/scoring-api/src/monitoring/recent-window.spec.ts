import { RecentWindow } from './recent-window.js';

describe('RecentWindow', () => {
  it('holds the last `capacity` rows pushed, in batches that wrap the ring or exceed it', () => {
    const capacity = 5;
    const width = 2;
    const window = new RecentWindow(capacity, width);
    const pushedScores: number[] = [];
    const firsts: number[] = [];
    for (const rows of [3, 4, 1, 12, 2]) {
      const scores = Float32Array.from({ length: rows }, (_, r) => pushedScores.length + r);
      const features = Float32Array.from(
        { length: rows * width },
        (_, k) => 100 * scores[Math.floor(k / width)] + (k % width),
      );
      firsts.push(window.push(scores, features, rows));
      pushedScores.push(...scores);
    }
    expect(firsts).toEqual([0, 3, 7, 8, 20]);
    expect(window.size).toBe(capacity);
    // slot = sequence mod capacity, as a row-by-row ring would leave it
    const expected = Array.from({ length: capacity }, (_, slot) => {
      const seq = pushedScores.length - capacity + ((slot - pushedScores.length + capacity * 10) % capacity);
      return seq;
    });
    expect(Array.from(window.scores)).toEqual(expected);
    expect(Array.from(window.features)).toEqual(expected.flatMap((seq) => [100 * seq, 100 * seq + 1]));
    expect(Array.from(window.challengerScores).every(Number.isNaN)).toBe(true);
    // challenger scores find their rows while they are held, and are dropped for rows overwritten since
    window.attachChallenger(20, Float32Array.from([0.5, 0.25]));
    window.attachChallenger(8, Float32Array.from([0.75]));
    expect(window.challengerScores[20 % capacity]).toBe(0.5);
    expect(window.challengerScores[21 % capacity]).toBe(0.25);
    expect(window.challengerScores[8 % capacity]).toBeNaN();
  });
});
