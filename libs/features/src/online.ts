import { DAY_US, toEpochUs, utcHour, utcWeekday } from './calendar.js';
import { FeaturesError } from './errors.js';
import { NumberIndex } from './number-index.js';
import { planFeatures, type FeaturePlan, type WindowRange } from './plan.js';
import type { EntityKind, FeatureSpec } from './feature-spec.js';

/** One transaction as the online state takes it (the Transaction contract, camel-cased; time in epoch seconds). */
export interface OnlineTransaction {
  transactionId: number;
  /** Seconds since the epoch, UTC. */
  txDatetime: number;
  customerId: number;
  terminalId: number;
  txAmount: number;
}

export interface OnlineFeatureStateOptions {
  /**
   * How same-second transactions must arrive. `transaction_id` (the SQL order, so parity holds): a
   * same-second transaction with a smaller id than the previous one is OUT_OF_ORDER. `arrival`: same-second
   * transactions are ordered as they arrive, whatever their ids (for services whose ids are not monotonic;
   * SQL parity then needs ids in arrival order).
   * @defaultValue `transaction_id`
   */
  tieOrder?: 'transaction_id' | 'arrival';
}

/** What a label did to the state. */
export type LabelOutcome =
  /** The label changed a retained transaction (and every window that holds it). */
  | 'applied'
  /** The transaction already had this label. */
  | 'unchanged'
  /** Never seen, or older than the retention horizon (it can no longer enter any window). */
  | 'unknown';

export interface OnlineStateStats {
  /** Transactions retained (inside the longest window + delay). */
  transactions: number;
  customers: number;
  terminals: number;
  /** Bytes held by the state's typed arrays plus an estimate for its hash maps. */
  bytes: number;
  /** Transactions consumed since creation (duplicates excluded). */
  consumed: number;
  /** Repeated transaction ids answered from the stored vector. */
  duplicates: number;
}

const NONE = -1;
/**
 * The log: one 64-byte record per retained transaction, so that sliding a window over an entry touches one
 * cache line. Each entity kind e threads its transactions through NEXT + 2e (the next seq of the same
 * entity, NONE at its tail) and NEXT_TIME + 2e (that next transaction's time, +Infinity at the tail), so a
 * window boundary moves without visiting the entry it moves to.
 */
const LOG_STRIDE = 8;
// What sliding a window reads (amount, label, the entity's next seq and time) comes first and together.
const L_AMOUNT = 0;
const L_LABEL = 1;
const L_NEXT = 2;
const L_NEXT_TIME = 3;
const L_TIME = 6;
const L_ID = 7;
/**
 * Per-entity slot: [entity id (NaN when free), last seq], then per delay group its shared upper boundary
 * (ranges with the same delay end at the same transaction), then that group's ranges.
 */
const SLOT_HEADER = 3;
const S_ID = 0;
const S_TAIL = 1;
/**
 * The smallest seq any boundary of the slot points at (+Infinity when none): eviction, which drops the
 * oldest seq, reads only this header line unless a boundary sits exactly on it.
 */
const S_MIN_BOUNDARY = 2;
/** A delay group: the first seq not yet inside its windows (NONE: caught up) and that seq's time. */
const GROUP_FIELDS = 2;
const HI = 0;
const HI_TIME = 1;
/** A range: its first seq inside and that seq's time, then count, amount sum, frauds. */
const RANGE_FIELDS = 6;
const LO = 0;
const LO_TIME = 1;
const COUNT = 2;
/** The amount sum as an unevaluated double-double (SUM_HI + SUM_LO): exact for realistic amounts, so
 * sliding in and out leaves no rounding residue (an emptied or all-zero window sums to exactly 0). */
const SUM_HI = 3;
const SUM_LO = 4;
const FRAUDS = 5;
/** Label codes in the log. */
const LABEL_UNKNOWN = -1;
const INITIAL_CAPACITY = 1024;

/** The per-entity-kind part of the state: id → slot index and a slab of slot records. */
interface EntityTable {
  kind: EntityKind;
  /** Offset of this kind's NEXT / NEXT_TIME fields in a log record. */
  nextField: number;
  nextTimeField: number;
  ranges: WindowRange[];
  /** Indexes into plan.ranges, parallel to `ranges`. */
  rangeIndex: number[];
  /** Per delay group g: slot offset, endInclusiveUs, and its ranges [first, last) in `ranges` order. */
  groupOffset: Int32Array;
  groupEndUs: Float64Array;
  groupFirst: Int32Array;
  groupLast: Int32Array;
  /** Per range (grouped by delay): slot offset, startExclusiveUs, and its group's slot offset. */
  rangeOffset: Int32Array;
  rangeStartUs: Float64Array;
  rangeGroupOffset: Int32Array;
  stride: number;
  slots: NumberIndex;
  slab: Float64Array;
  freeSlots: number[];
  slotCount: number;
  /** Per log position: this entity's slot. */
  logSlot: Int32Array;
}

/** The serialisable part of the state, as `snapshot.ts` reads and writes it. */
export interface OnlineStateImage {
  specHash: string;
  tieOrder: 'transaction_id' | 'arrival';
  head: number;
  tail: number;
  lastTimeUs: number;
  lastId: number;
  consumed: number;
  duplicates: number;
  /** Log records, vectors and entity slots of seqs head … tail−1, in seq order. */
  log: { records: Float64Array; vectors: Float64Array; entitySlot: Int32Array[] };
  entities: { slab: Float64Array; slotCount: number }[];
}

/** x + y into the double-double (hi, lo) at `at`: TwoSum, then renormalise. */
function addToSum(s: Float64Array, at: number, x: number): void {
  const hi = s[at + SUM_HI];
  const sum = hi + x;
  const virtual = sum - hi;
  const error = hi - (sum - virtual) + (x - virtual);
  const lo = s[at + SUM_LO] + error;
  const total = sum + lo;
  s[at + SUM_LO] = lo - (total - sum);
  s[at + SUM_HI] = total;
}

/**
 * The online side of a feature spec: consumes transactions in time order and returns each one's feature
 * vector (identical to the SQL path's row for it), and consumes fraud labels as they arrive for the delayed
 * label-based features.
 *
 * How. All retained transactions sit in one ring-buffer log (seq numbers grow forever; position = seq mod
 * capacity); each customer/terminal threads its own transactions through the log as a linked list. Every
 * (entity, window, delay) range of the spec keeps, per entity, a [lo, hi) pair of seqs into that list and
 * the running count / amount sum / fraud count of what lies between, so a transaction costs O(1) amortised
 * per range (plus the window length for `max`). Labels update the ranges that currently hold the labelled
 * transaction. Memory is bounded: a transaction older than the longest window + delay can enter no window
 * again and is evicted, with its entity when it was the entity's last.
 *
 * Rules. Time order is enforced (OUT_OF_ORDER, see `tieOrder`); a repeated transaction id returns the vector
 * computed the first time and changes nothing (CONFLICTING_DUPLICATE if its fields differ); a label for a
 * transaction that is unknown or already evicted is ignored (`'unknown'`). Labels are assumed known from the
 * moment they are recorded: the SQL path assumes every label in a window of delay D is known, so feed each
 * label no later than D after its transaction (see `replayWithDelayedLabels`).
 */
export class OnlineFeatureState {
  readonly plan: FeaturePlan;
  readonly tieOrder: 'transaction_id' | 'arrival';
  /** Features per vector. */
  readonly width: number;
  private readonly retentionUs: number;
  private readonly entities: EntityTable[];
  private readonly customers: EntityTable | undefined;
  private readonly terminals: EntityTable | undefined;
  /**
   * Per feature, in spec order: [kind code, entity table index, range offset in slot, aggregate code, min, max]
   * (for window features the 5th field is the range's delay-group offset).
   */
  private readonly steps: Int32Array;

  private capacity = INITIAL_CAPACITY;
  private mask = INITIAL_CAPACITY - 1;
  private head = 0;
  private tail = 0;
  private log = new Float64Array(INITIAL_CAPACITY * LOG_STRIDE);
  private vectors: Float64Array;
  private readonly idToSeq = new NumberIndex(INITIAL_CAPACITY);
  private lastTimeUs = -Infinity;
  private lastId = -Infinity;
  private consumed = 0;
  private duplicates = 0;

  constructor(spec: FeatureSpec | FeaturePlan, options: OnlineFeatureStateOptions = {}) {
    this.plan = 'ranges' in spec ? spec : planFeatures(spec);
    this.tieOrder = options.tieOrder ?? 'transaction_id';
    this.width = this.plan.features.length;
    // Without windows, still remember a day of ids so that retries are recognised.
    this.retentionUs = Math.max(this.plan.longestSpanUs, DAY_US);
    this.vectors = new Float64Array(INITIAL_CAPACITY * this.width);
    this.entities = this.plan.entities.map((kind, e) => {
      // ranges of this entity, grouped by delay (each group shares one upper boundary)
      const delays = [...new Set(this.plan.ranges.filter((r) => r.entity === kind).map((r) => r.delayDays))];
      const rangeIndex = delays.flatMap((delay) =>
        this.plan.ranges.flatMap((r, i) => (r.entity === kind && r.delayDays === delay ? [i] : [])),
      );
      const ranges = rangeIndex.map((i) => this.plan.ranges[i]);
      const groupOffset: number[] = [];
      const groupFirst: number[] = [];
      const groupLast: number[] = [];
      const rangeOffset: number[] = [];
      const rangeGroupOffset: number[] = [];
      let offset = SLOT_HEADER;
      for (const delay of delays) {
        groupOffset.push(offset);
        groupFirst.push(rangeOffset.length);
        const groupAt = offset;
        offset += GROUP_FIELDS;
        for (const range of ranges) {
          if (range.delayDays !== delay) continue;
          rangeOffset.push(offset);
          rangeGroupOffset.push(groupAt);
          offset += RANGE_FIELDS;
        }
        groupLast.push(rangeOffset.length);
      }
      const stride = offset;
      return {
        kind,
        nextField: L_NEXT + 2 * e,
        nextTimeField: L_NEXT_TIME + 2 * e,
        ranges,
        rangeIndex,
        groupOffset: Int32Array.from(groupOffset),
        groupEndUs: Float64Array.from(delays, (d) => d * DAY_US),
        groupFirst: Int32Array.from(groupFirst),
        groupLast: Int32Array.from(groupLast),
        rangeOffset: Int32Array.from(rangeOffset),
        rangeStartUs: Float64Array.from(ranges, (r) => r.startExclusiveUs),
        rangeGroupOffset: Int32Array.from(rangeGroupOffset),
        stride,
        slots: new NumberIndex(256),
        slab: new Float64Array(64 * stride),
        freeSlots: [],
        slotCount: 0,
        logSlot: new Int32Array(INITIAL_CAPACITY),
      };
    });
    if (this.entities.length > 2) throw new FeaturesError('INVALID_SPEC', 'at most two entity kinds fit a log record');
    this.customers = this.entities.find((e) => e.kind === 'customer');
    this.terminals = this.entities.find((e) => e.kind === 'terminal');
    this.steps = this.compileSteps();
  }

  /** The spec's content hash (what a model card records). */
  get specHash(): string {
    return this.plan.hash;
  }

  /** Consumes one transaction and returns its feature vector (a new array). */
  process(tx: OnlineTransaction): Float64Array {
    const out = new Float64Array(this.width);
    this.processInto(tx.transactionId, tx.txDatetime, tx.customerId, tx.terminalId, tx.txAmount, out);
    return out;
  }

  /**
   * The allocation-free form of `process`: writes the vector into `out` (length ≥ width). Returns false
   * when the transaction id was already consumed (the stored vector is written and nothing is counted).
   */
  processInto(
    transactionId: number,
    txDatetime: number,
    customerId: number,
    terminalId: number,
    txAmount: number,
    out: Float64Array,
  ): boolean {
    const timeUs = toEpochUs(txDatetime);
    const known = this.idToSeq.get(transactionId);
    if (known >= 0) {
      this.replayDuplicate(known, transactionId, timeUs, customerId, terminalId, txAmount, out);
      return false;
    }
    if (
      !Number.isFinite(timeUs) ||
      !Number.isFinite(txAmount) ||
      txAmount < 0 ||
      !Number.isFinite(transactionId) ||
      !Number.isFinite(customerId) ||
      !Number.isFinite(terminalId)
    ) {
      throw new FeaturesError(
        'INVALID_TRANSACTION',
        `transaction ${transactionId}: needs finite ids and tx_datetime and a tx_amount ≥ 0 ` +
          `(got customer ${customerId}, terminal ${terminalId}, time ${txDatetime}, amount ${txAmount})`,
      );
    }
    if (timeUs < this.lastTimeUs || (timeUs === this.lastTimeUs && this.tieOrder === 'transaction_id' && transactionId < this.lastId)) {
      throw new FeaturesError(
        'OUT_OF_ORDER',
        `transaction ${transactionId} at ${new Date(timeUs / 1000).toISOString()} arrived after transaction ${this.lastId} ` +
          `at ${new Date(this.lastTimeUs / 1000).toISOString()}; the online state needs (tx_datetime, transaction_id) order` +
          (this.tieOrder === 'transaction_id' && timeUs === this.lastTimeUs ? " (or tieOrder: 'arrival')" : ''),
      );
    }
    this.lastTimeUs = timeUs;
    this.lastId = transactionId;

    const cutoff = timeUs - this.retentionUs;
    while (this.head < this.tail && this.log[(this.head & this.mask) * LOG_STRIDE + L_TIME] <= cutoff) this.evictOldest();
    if (this.tail - this.head === this.capacity) this.resize(this.capacity * 2);

    const seq = this.tail++;
    const pos = seq & this.mask;
    const record = pos * LOG_STRIDE;
    const log = this.log;
    log[record + L_TIME] = timeUs;
    log[record + L_AMOUNT] = txAmount;
    log[record + L_LABEL] = LABEL_UNKNOWN;
    log[record + L_ID] = transactionId;
    this.idToSeq.set(transactionId, seq);
    this.consumed++;

    const customerSlot = this.customers ? this.advance(this.customers, customerId, seq, timeUs) : 0;
    const terminalSlot = this.terminals ? this.advance(this.terminals, terminalId, seq, timeUs) : 0;
    this.computeVector(timeUs, txAmount, customerSlot, terminalSlot, out);
    const vectors = this.vectors;
    for (let i = 0, at = pos * this.width; i < this.width; i++) vectors[at + i] = out[i];
    return true;
  }

  /**
   * Records a fraud label (1 fraud, 0 genuine) for a consumed transaction; a later label for the same
   * transaction replaces the earlier one.
   */
  recordLabel(transactionId: number, fraud: number | boolean): LabelOutcome {
    const seq = this.idToSeq.get(transactionId);
    if (seq < 0) return 'unknown';
    const pos = seq & this.mask;
    const label = fraud === true || fraud === 1 ? 1 : 0;
    const previous = this.log[pos * LOG_STRIDE + L_LABEL];
    if (previous === label) return 'unchanged';
    this.log[pos * LOG_STRIDE + L_LABEL] = label;
    const delta = label - (previous === 1 ? 1 : 0);
    if (delta === 0) return 'applied';
    for (const table of this.entities) {
      const base = table.logSlot[pos] * table.stride;
      for (let r = 0; r < table.ranges.length; r++) {
        if (!table.ranges[r].needsFrauds) continue;
        const at = base + table.rangeOffset[r];
        const lo = table.slab[at + LO];
        const hi = table.slab[base + table.rangeGroupOffset[r] + HI];
        if (lo !== NONE && seq >= lo && (hi === NONE || seq < hi)) table.slab[at + FRAUDS] += delta;
      }
    }
    return 'applied';
  }

  stats(): OnlineStateStats {
    let bytes = this.log.byteLength + this.vectors.byteLength + this.idToSeq.byteLength;
    for (const table of this.entities) {
      bytes += table.slab.byteLength + table.logSlot.byteLength + table.slots.byteLength + table.freeSlots.length * 8;
    }
    return {
      transactions: this.tail - this.head,
      customers: this.customers?.slots.size ?? 0,
      terminals: this.terminals?.slots.size ?? 0,
      bytes,
      consumed: this.consumed,
      duplicates: this.duplicates,
    };
  }

  /** The state as plain typed arrays (see `writeOnlineSnapshot` for the file form). */
  exportImage(): OnlineStateImage {
    const count = this.tail - this.head;
    const take = <T extends Float64Array | Int32Array>(array: T, width: number): T => {
      const out = new (array.constructor as new (n: number) => T)(count * width);
      for (let i = 0; i < count; i++) {
        const pos = (this.head + i) & this.mask;
        out.set(array.subarray(pos * width, pos * width + width), i * width);
      }
      return out;
    };
    return {
      specHash: this.plan.hash,
      tieOrder: this.tieOrder,
      head: this.head,
      tail: this.tail,
      lastTimeUs: this.lastTimeUs,
      lastId: this.lastId,
      consumed: this.consumed,
      duplicates: this.duplicates,
      log: {
        records: take(this.log, LOG_STRIDE),
        vectors: take(this.vectors, this.width),
        entitySlot: this.entities.map((t) => take(t.logSlot, 1)),
      },
      entities: this.entities.map((t) => ({ slab: t.slab.slice(0, t.slotCount * t.stride), slotCount: t.slotCount })),
    };
  }

  /** Rebuilds a state from `exportImage()` output; the spec must be the one the image was taken with. */
  static fromImage(spec: FeatureSpec | FeaturePlan, image: OnlineStateImage): OnlineFeatureState {
    const state = new OnlineFeatureState(spec, { tieOrder: image.tieOrder });
    const invalid = (why: string) => new FeaturesError('INVALID_SNAPSHOT', why);
    if (image.specHash !== state.plan.hash) {
      throw invalid(
        `snapshot was taken for feature spec hash ${image.specHash.slice(0, 12)}…, not ${state.plan.hash.slice(0, 12)}… ("${state.plan.spec.name}")`,
      );
    }
    const count = image.tail - image.head;
    if (
      image.entities.length !== state.entities.length ||
      image.log.records.length !== count * LOG_STRIDE ||
      image.log.vectors.length !== count * state.width ||
      image.log.entitySlot.some((slots) => slots.length !== count)
    ) {
      throw invalid('snapshot sections do not match the feature spec');
    }
    let capacity = INITIAL_CAPACITY;
    while (capacity < count) capacity *= 2;
    state.resize(capacity);
    state.head = image.head;
    state.tail = image.tail;
    state.lastTimeUs = image.lastTimeUs;
    state.lastId = image.lastId;
    state.consumed = image.consumed;
    state.duplicates = image.duplicates;
    for (let i = 0; i < count; i++) {
      const seq = image.head + i;
      const pos = seq & state.mask;
      state.log.set(image.log.records.subarray(i * LOG_STRIDE, (i + 1) * LOG_STRIDE), pos * LOG_STRIDE);
      state.vectors.set(image.log.vectors.subarray(i * state.width, (i + 1) * state.width), pos * state.width);
      state.entities.forEach((table, e) => {
        table.logSlot[pos] = image.log.entitySlot[e][i];
      });
      state.idToSeq.set(image.log.records[i * LOG_STRIDE + L_ID], seq);
    }
    state.entities.forEach((table, e) => {
      const { slab, slotCount } = image.entities[e];
      if (slab.length !== slotCount * table.stride) throw invalid(`snapshot ${table.kind} table has the wrong size`);
      table.slab = new Float64Array(Math.max(64, slotCount) * table.stride);
      table.slab.set(slab);
      table.slotCount = slotCount;
      for (let slot = 0; slot < slotCount; slot++) {
        const id = slab[slot * table.stride + S_ID];
        if (Number.isNaN(id)) table.freeSlots.push(slot);
        else table.slots.set(id, slot);
      }
    });
    return state;
  }

  // ---- internals ----------------------------------------------------------------------------------------

  private replayDuplicate(
    seq: number,
    transactionId: number,
    timeUs: number,
    customerId: number,
    terminalId: number,
    txAmount: number,
    out: Float64Array,
  ): void {
    const pos = seq & this.mask;
    const record = pos * LOG_STRIDE;
    const sameEntity = (table: EntityTable | undefined, id: number) =>
      !table || table.slab[table.logSlot[pos] * table.stride + S_ID] === id;
    if (
      this.log[record + L_TIME] !== timeUs ||
      this.log[record + L_AMOUNT] !== txAmount ||
      !sameEntity(this.customers, customerId) ||
      !sameEntity(this.terminals, terminalId)
    ) {
      throw new FeaturesError(
        'CONFLICTING_DUPLICATE',
        `transaction ${transactionId} was already consumed with a different tx_datetime, amount, customer or terminal`,
      );
    }
    this.duplicates++;
    out.set(this.vectors.subarray(pos * this.width, pos * this.width + this.width));
  }

  /** Links `seq` into the entity's list and slides each of its ranges to the time `timeUs`. Returns the slot. */
  private advance(table: EntityTable, entityId: number, seq: number, timeUs: number): number {
    let slot = table.slots.get(entityId);
    if (slot < 0) slot = this.allocateSlot(table, entityId);
    const s = table.slab;
    const log = this.log;
    const mask = this.mask;
    const nextField = table.nextField;
    const nextTimeField = table.nextTimeField;
    const base = slot * table.stride;
    const pos = seq & mask;
    const previous = s[base + S_TAIL];
    if (previous !== NONE) {
      const previousRecord = (previous & mask) * LOG_STRIDE;
      log[previousRecord + nextField] = seq;
      log[previousRecord + nextTimeField] = timeUs;
    }
    s[base + S_TAIL] = seq;
    table.logSlot[pos] = slot;
    log[pos * LOG_STRIDE + nextField] = NONE;
    log[pos * LOG_STRIDE + nextTimeField] = Infinity;

    let minBoundary = Infinity;
    for (let g = 0; g < table.groupOffset.length; g++) {
      const groupAt = base + table.groupOffset[g];
      let hi = s[groupAt + HI];
      let hiTime = s[groupAt + HI_TIME];
      if (hi === NONE) {
        hi = seq;
        hiTime = timeUs;
      }
      const first = table.groupFirst[g];
      const last = table.groupLast[g];
      for (let r = first; r < last; r++) {
        const at = base + table.rangeOffset[r];
        if (s[at + LO] === NONE) {
          s[at + LO] = seq;
          s[at + LO_TIME] = timeUs;
        }
      }
      // Entries reaching the group's end boundary enter all of its windows at once.
      const endLimit = timeUs - table.groupEndUs[g];
      while (hiTime <= endLimit) {
        const record = (hi & mask) * LOG_STRIDE;
        const amount = log[record + L_AMOUNT];
        const fraud = log[record + L_LABEL] === 1 ? 1 : 0;
        for (let r = first; r < last; r++) {
          const at = base + table.rangeOffset[r];
          s[at + COUNT]++;
          addToSum(s, at, amount);
          s[at + FRAUDS] += fraud;
        }
        hi = log[record + nextField];
        hiTime = log[record + nextTimeField];
      }
      s[groupAt + HI] = hi;
      s[groupAt + HI_TIME] = hiTime;
      if (hi !== NONE && hi < minBoundary) minBoundary = hi;
      // Each window's start leaves entries behind on its own.
      for (let r = first; r < last; r++) {
        const at = base + table.rangeOffset[r];
        let lo = s[at + LO];
        let loTime = s[at + LO_TIME];
        const startLimit = timeUs - table.rangeStartUs[r];
        if (lo === hi || loTime > startLimit) {
          if (lo !== NONE && lo < minBoundary) minBoundary = lo;
          continue;
        }
        let count = s[at + COUNT];
        do {
          const record = (lo & mask) * LOG_STRIDE;
          count--;
          addToSum(s, at, -log[record + L_AMOUNT]);
          if (log[record + L_LABEL] === 1) s[at + FRAUDS]--;
          lo = log[record + nextField];
          loTime = log[record + nextTimeField];
        } while (lo !== hi && loTime <= startLimit);
        if (count === 0) {
          s[at + SUM_HI] = 0;
          s[at + SUM_LO] = 0;
          s[at + FRAUDS] = 0;
        }
        s[at + LO] = lo;
        s[at + LO_TIME] = loTime;
        s[at + COUNT] = count;
        if (lo !== NONE && lo < minBoundary) minBoundary = lo;
      }
    }
    s[base + S_MIN_BOUNDARY] = minBoundary;
    return slot;
  }

  private allocateSlot(table: EntityTable, entityId: number): number {
    let slot = table.freeSlots.pop();
    if (slot === undefined) {
      slot = table.slotCount++;
      if (table.slotCount * table.stride > table.slab.length) {
        const grown = new Float64Array(table.slab.length * 2);
        grown.set(table.slab);
        table.slab = grown;
      }
    }
    const base = slot * table.stride;
    table.slab.fill(0, base, base + table.stride);
    table.slab[base + S_ID] = entityId;
    table.slab[base + S_TAIL] = NONE;
    table.slab[base + S_MIN_BOUNDARY] = Infinity;
    for (let g = 0; g < table.groupOffset.length; g++) {
      table.slab[base + table.groupOffset[g] + HI] = NONE;
      table.slab[base + table.groupOffset[g] + HI_TIME] = Infinity;
    }
    for (let r = 0; r < table.ranges.length; r++) {
      table.slab[base + table.rangeOffset[r] + LO] = NONE;
      table.slab[base + table.rangeOffset[r] + LO_TIME] = Infinity;
    }
    table.slots.set(entityId, slot);
    return slot;
  }

  /**
   * Drops the oldest transaction. It is outside every window of every later transaction, so each range that
   * still starts at it moves past it now (the result equals what the next slide would do), and an entity
   * whose last transaction it was is forgotten.
   */
  private evictOldest(): void {
    const seq = this.head;
    const pos = seq & this.mask;
    const record = pos * LOG_STRIDE;
    const log = this.log;
    for (const table of this.entities) {
      const slot = table.logSlot[pos];
      const base = slot * table.stride;
      const s = table.slab;
      const next = log[record + table.nextField];
      const nextTime = log[record + table.nextTimeField];
      if (s[base + S_TAIL] === seq) {
        // the entity's last transaction: nothing of it stays
        table.slots.delete(s[base + S_ID]);
        s[base + S_ID] = NaN;
        table.freeSlots.push(slot);
        continue;
      }
      if (s[base + S_MIN_BOUNDARY] !== seq) continue; // no boundary on it: the windows are unaffected
      let minBoundary = Infinity;
      for (let g = 0; g < table.groupOffset.length; g++) {
        const groupAt = base + table.groupOffset[g];
        // hi at this seq: it never entered the group's windows (they are empty and waiting for it)
        const pending = s[groupAt + HI] === seq;
        for (let r = table.groupFirst[g]; r < table.groupLast[g]; r++) {
          const at = base + table.rangeOffset[r];
          if (s[at + LO] !== seq) continue;
          if (!pending) {
            s[at + COUNT] -= 1;
            addToSum(s, at, -log[record + L_AMOUNT]);
            if (log[record + L_LABEL] === 1) s[at + FRAUDS] -= 1;
            if (s[at + COUNT] === 0) {
              s[at + SUM_HI] = 0;
              s[at + SUM_LO] = 0;
              s[at + FRAUDS] = 0;
            }
          }
          s[at + LO] = next;
          s[at + LO_TIME] = nextTime;
        }
        if (pending) {
          s[groupAt + HI] = next;
          s[groupAt + HI_TIME] = nextTime;
        }
        if (s[groupAt + HI] !== NONE && s[groupAt + HI] < minBoundary) minBoundary = s[groupAt + HI];
        for (let r = table.groupFirst[g]; r < table.groupLast[g]; r++) {
          const lo = s[base + table.rangeOffset[r] + LO];
          if (lo !== NONE && lo < minBoundary) minBoundary = lo;
        }
      }
      s[base + S_MIN_BOUNDARY] = minBoundary;
    }
    this.idToSeq.delete(log[record + L_ID]);
    this.head++;
  }

  /** Re-lays the log into a ring of `capacity` positions (seqs keep their numbers). */
  private resize(capacity: number): void {
    const oldMask = this.mask;
    const newMask = capacity - 1;
    const move = <T extends Float64Array | Int32Array>(array: T, width: number): T => {
      const out = new (array.constructor as new (n: number) => T)(capacity * width);
      for (let seq = this.head; seq < this.tail; seq++) {
        const from = (seq & oldMask) * width;
        const to = (seq & newMask) * width;
        for (let i = 0; i < width; i++) out[to + i] = array[from + i];
      }
      return out;
    };
    this.log = move(this.log, LOG_STRIDE);
    this.vectors = move(this.vectors, this.width);
    for (const table of this.entities) table.logSlot = move(table.logSlot, 1);
    this.capacity = capacity;
    this.mask = newMask;
  }

  private compileSteps(): Int32Array {
    const steps = new Int32Array(this.width * 6);
    this.plan.features.forEach((feature, i) => {
      const at = i * 6;
      switch (feature.kind) {
        case 'raw':
          steps[at] = 0;
          break;
        case 'calendar':
          steps[at] = feature.part === 'weekday' ? 1 : 2;
          steps[at + 4] = feature.min;
          steps[at + 5] = feature.max;
          break;
        case 'window': {
          const range = this.plan.ranges[feature.range];
          const tableIndex = this.entities.findIndex((t) => t.kind === range.entity);
          const table = this.entities[tableIndex];
          const r = table.rangeIndex.indexOf(feature.range);
          steps[at] = 3;
          steps[at + 1] = tableIndex;
          steps[at + 2] = table.rangeOffset[r];
          steps[at + 3] = ['count', 'sum', 'mean', 'max', 'fraud_ratio'].indexOf(feature.aggregate);
          steps[at + 4] = table.rangeGroupOffset[r];
          break;
        }
      }
    });
    return steps;
  }

  private computeVector(timeUs: number, amount: number, customerSlot: number, terminalSlot: number, out: Float64Array): void {
    const steps = this.steps;
    const weekday = utcWeekday(timeUs);
    const hour = utcHour(timeUs);
    for (let i = 0; i < this.width; i++) {
      const at = i * 6;
      switch (steps[at]) {
        case 0:
          out[i] = amount;
          break;
        case 1:
          out[i] = weekday >= steps[at + 4] && weekday <= steps[at + 5] ? 1 : 0;
          break;
        case 2:
          out[i] = hour >= steps[at + 4] && hour <= steps[at + 5] ? 1 : 0;
          break;
        default: {
          const table = this.entities[steps[at + 1]];
          const slot = table === this.customers ? customerSlot : terminalSlot;
          const rangeAt = slot * table.stride + steps[at + 2];
          const s = table.slab;
          const count = s[rangeAt + COUNT];
          switch (steps[at + 3]) {
            case 0:
              out[i] = count;
              break;
            case 1:
              out[i] = s[rangeAt + SUM_HI] + s[rangeAt + SUM_LO];
              break;
            case 2:
              out[i] = count === 0 ? 0 : (s[rangeAt + SUM_HI] + s[rangeAt + SUM_LO]) / count;
              break;
            case 3:
              out[i] = this.rangeMax(table, rangeAt, slot * table.stride + steps[at + 4]);
              break;
            default:
              out[i] = count === 0 ? 0 : s[rangeAt + FRAUDS] / count;
          }
        }
      }
    }
  }

  /** max(tx_amount) over a range: a walk of its list (only specs with a `max` feature pay for it). */
  private rangeMax(table: EntityTable, rangeAt: number, groupAt: number): number {
    let seq = table.slab[rangeAt + LO];
    const hi = table.slab[groupAt + HI];
    let max = 0;
    while (seq !== hi && seq !== NONE) {
      const record = (seq & this.mask) * LOG_STRIDE;
      if (this.log[record + L_AMOUNT] > max) max = this.log[record + L_AMOUNT];
      seq = this.log[record + table.nextField];
    }
    return max;
  }
}
