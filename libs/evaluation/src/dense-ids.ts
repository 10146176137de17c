/** Ids (card ids, days, …) renumbered 0, 1, 2… in order of first appearance, so hot loops can index typed arrays. */
export interface DenseIds {
  /** The dense index of each row's id. */
  indexOfRow: Uint32Array;
  /** The original id of each dense index. */
  ids: Float64Array;
}

export function denseIds(values: ArrayLike<number>): DenseIds {
  const indexOf = new Map<number, number>();
  const indexOfRow = new Uint32Array(values.length);
  for (let row = 0; row < values.length; row++) {
    let index = indexOf.get(values[row]);
    if (index === undefined) {
      index = indexOf.size;
      indexOf.set(values[row], index);
    }
    indexOfRow[row] = index;
  }
  return { indexOfRow, ids: Float64Array.from(indexOf.keys()) };
}
