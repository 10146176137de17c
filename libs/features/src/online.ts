import { DAY_US, toEpochUs } from './calendar.js';
import { FeaturesError } from './errors.js';
import { NumberIndex } from './number-index.js';
import {
  checkImage,
  latePairs,
  linearToRing,
  restoreEntityTable,
  ringCapacityFor,
  ringToLinear,
  type OnlineStateImage,
} from './online-image.js';
import {
  COUNT,
  FRAUDS,
  HI,
  HI_TIME,
  INITIAL_CAPACITY,
  L_AMOUNT,
  L_ID,
  L_LABEL,
  L_TIME,
  LABEL_UNKNOWN,
  LO,
  LO_TIME,
  LOG_STRIDE,
  MAX_ENTITY_KINDS,
  NONE,
  S_ID,
  S_MIN_BOUNDARY,
  S_TAIL,
  addToSquares,
  addToSum,
  allocateSlot,
  clearRange,
  layoutEntityTable,
  leaveRange,
  type EntityTable,
} from './online-layout.js';
import { compileSteps, runSteps } from './online-steps.js';
import { planFeatures, type FeaturePlan } from './plan.js';
import type { FeatureSpec } from './feature-spec.js';

export type { OnlineStateImage } from './online-image.js';

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
  /** Retained transactions that arrived late and entered at a later time (see `processLateInto`). */
  late: number;
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
  /** One table per entity kind of the plan, in `plan.entities` order (see `online-layout.ts`). */
  private readonly entities: EntityTable[];
  private readonly customers: EntityTable | undefined;
  private readonly terminals: EntityTable | undefined;
  /** The compiled feature steps (see `online-steps.ts`). */
  private readonly steps: Int32Array;
  /** The current transaction's slot in each entity table, as the steps read it. */
  private readonly currentSlots: Int32Array;
  /** The time (µs) of the entity's previous transaction, per entity table (−Infinity: none retained). */
  private readonly previousUs: Float64Array;
  /** Whether a recency feature reads `previousUs` (other specs skip the lookup on the hot path). */
  private readonly tracksPrevious: boolean;

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
  /**
   * Transaction id → how far (µs) before the time it entered the state it was stamped, for the retained
   * transactions that came late (see `processLateInto`); usually empty, so on-time work never reads it.
   */
  private readonly lateUs = new NumberIndex(16);

  constructor(spec: FeatureSpec | FeaturePlan, options: OnlineFeatureStateOptions = {}) {
    this.plan = 'ranges' in spec ? spec : planFeatures(spec);
    this.tieOrder = options.tieOrder ?? 'transaction_id';
    this.width = this.plan.features.length;
    // Without windows, still remember a day of ids so that retries are recognised.
    this.retentionUs = Math.max(this.plan.longestSpanUs, DAY_US);
    this.vectors = new Float64Array(INITIAL_CAPACITY * this.width);
    if (this.plan.entities.length > MAX_ENTITY_KINDS) {
      throw new FeaturesError('INVALID_SPEC', 'at most two entity kinds fit a log record');
    }
    this.entities = this.plan.entities.map((kind, e) => layoutEntityTable(this.plan, kind, e));
    this.customers = this.entities.find((e) => e.kind === 'customer');
    this.terminals = this.entities.find((e) => e.kind === 'terminal');
    this.steps = compileSteps(this.plan, this.entities);
    this.currentSlots = new Int32Array(this.entities.length);
    this.previousUs = new Float64Array(this.entities.length);
    this.tracksPrevious = this.plan.features.some((f) => f.kind === 'recency');
  }

  /** The spec's content hash (what a model card records). */
  get specHash(): string {
    return this.plan.hash;
  }

  /** The newest transaction time consumed, in epoch microseconds (−Infinity before the first). */
  get newestTimeUs(): number {
    return this.lastTimeUs;
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
    checkTransaction(transactionId, txDatetime, timeUs, customerId, terminalId, txAmount);
    this.checkOrder(transactionId, timeUs);
    this.lastTimeUs = timeUs;
    this.lastId = transactionId;

    const cutoff = timeUs - this.retentionUs;
    while (this.head < this.tail && this.log[(this.head & this.mask) * LOG_STRIDE + L_TIME] <= cutoff)
      this.evictOldest();
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

    const slots = this.currentSlots;
    for (let e = 0; e < this.entities.length; e++) {
      const table = this.entities[e];
      slots[e] = this.advance(table, e, table === this.customers ? customerId : terminalId, seq, timeUs);
    }
    runSteps(this.steps, this.entities, slots, this.previousUs, log, this.mask, timeUs, txAmount, out);
    const vectors = this.vectors;
    for (let i = 0, at = pos * this.width; i < this.width; i++) vectors[at + i] = out[i];
    return true;
  }

  /**
   * `processInto` for feeds that deliver late. A transaction stamped before the newest one consumed enters
   * the state at the newest time (every window stays in time order, and later transactions of its customer
   * and terminal count it), and how late it was is kept with it: a retry carrying its own time is the same
   * transaction, `lateBySeconds` tells, and snapshots keep both. On-time transactions (and repeated ids) are
   * taken exactly as `processInto` takes them. Returns false for a repeated id.
   */
  processLateInto(
    transactionId: number,
    txDatetime: number,
    customerId: number,
    terminalId: number,
    txAmount: number,
    out: Float64Array,
  ): boolean {
    const timeUs = toEpochUs(txDatetime);
    if (!(timeUs < this.lastTimeUs) || this.idToSeq.get(transactionId) >= 0) {
      return this.processInto(transactionId, txDatetime, customerId, terminalId, txAmount, out);
    }
    checkTransaction(transactionId, txDatetime, timeUs, customerId, terminalId, txAmount);
    const newestUs = this.lastTimeUs;
    // At the newest time it is an ordinary transaction (same-second ties: see tieOrder; services use 'arrival').
    this.processInto(transactionId, newestUs / 1e6, customerId, terminalId, txAmount, out);
    this.lateUs.set(transactionId, newestUs - timeUs);
    return true;
  }

  /** Whether the state holds this transaction id (consumed and not yet evicted). */
  has(transactionId: number): boolean {
    return this.idToSeq.get(transactionId) >= 0;
  }

  /** How many seconds before the time it entered the state a held transaction was stamped (0: on time or unknown). */
  lateBySeconds(transactionId: number): number {
    if (this.lateUs.size === 0) return 0;
    const lateUs = this.lateUs.get(transactionId);
    return lateUs > 0 ? lateUs / 1e6 : 0;
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
      bytes +=
        table.slab.byteLength +
        table.maxCache.byteLength +
        table.logSlot.byteLength +
        table.slots.byteLength +
        table.freeSlots.length * 8;
    }
    return {
      transactions: this.tail - this.head,
      customers: this.customers?.slots.size ?? 0,
      terminals: this.terminals?.slots.size ?? 0,
      bytes,
      consumed: this.consumed,
      duplicates: this.duplicates,
      late: this.lateUs.size,
    };
  }

  /** The state as plain typed arrays (see `writeOnlineSnapshot` for the file form). */
  exportImage(): OnlineStateImage {
    const count = this.tail - this.head;
    const linear = <T extends Float64Array | Int32Array>(array: T, width: number) =>
      ringToLinear(array, width, this.head, count, this.mask);
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
        records: linear(this.log, LOG_STRIDE),
        vectors: linear(this.vectors, this.width),
        entitySlot: this.entities.map((t) => linear(t.logSlot, 1)),
      },
      entities: this.entities.map((t) => ({ slab: t.slab.slice(0, t.slotCount * t.stride), slotCount: t.slotCount })),
      late: latePairs(this.lateUs),
    };
  }

  /** Rebuilds a state from `exportImage()` output; the spec must be the one the image was taken with. */
  static fromImage(spec: FeatureSpec | FeaturePlan, image: OnlineStateImage): OnlineFeatureState {
    const state = new OnlineFeatureState(spec, { tieOrder: image.tieOrder });
    checkImage(image, state.plan, state.entities);
    state.resize(ringCapacityFor(image.tail - image.head));
    state.head = image.head;
    state.tail = image.tail;
    state.lastTimeUs = image.lastTimeUs;
    state.lastId = image.lastId;
    state.consumed = image.consumed;
    state.duplicates = image.duplicates;
    linearToRing(image.log.records, state.log, LOG_STRIDE, image.head, state.mask);
    linearToRing(image.log.vectors, state.vectors, state.width, image.head, state.mask);
    state.entities.forEach((table, e) => {
      linearToRing(image.log.entitySlot[e], table.logSlot, 1, image.head, state.mask);
      restoreEntityTable(table, image.entities[e].slab, image.entities[e].slotCount);
    });
    for (let seq = image.head; seq < image.tail; seq++) {
      state.idToSeq.set(image.log.records[(seq - image.head) * LOG_STRIDE + L_ID], seq);
    }
    const late = image.late ?? new Float64Array(0);
    for (let i = 0; i < late.length; i += 2) state.lateUs.set(late[i], late[i + 1]);
    return state;
  }

  // ---- internals ----------------------------------------------------------------------------------------

  private checkOrder(transactionId: number, timeUs: number): void {
    const tie = timeUs === this.lastTimeUs && this.tieOrder === 'transaction_id';
    if (timeUs >= this.lastTimeUs && !(tie && transactionId < this.lastId)) return;
    throw new FeaturesError(
      'OUT_OF_ORDER',
      `transaction ${transactionId} at ${new Date(timeUs / 1000).toISOString()} arrived after transaction ${this.lastId} ` +
        `at ${new Date(this.lastTimeUs / 1000).toISOString()}; the online state needs (tx_datetime, transaction_id) order` +
        (tie ? " (or tieOrder: 'arrival')" : ''),
    );
  }

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
    const lateUs = this.lateUs.size === 0 ? -1 : this.lateUs.get(transactionId);
    const stampedUs = lateUs > 0 ? this.log[record + L_TIME] - lateUs : this.log[record + L_TIME];
    if (
      stampedUs !== timeUs ||
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

  /**
   * Links `seq` into the entity's list and slides each of its ranges to the time `timeUs`; records the time of
   * the entity's previous transaction in `previousUs[e]`. Returns the slot.
   */
  private advance(table: EntityTable, e: number, entityId: number, seq: number, timeUs: number): number {
    let slot = table.slots.get(entityId);
    if (slot < 0) {
      slot = allocateSlot(table, entityId);
      this.previousUs[e] = -Infinity;
    } else if (this.tracksPrevious) {
      // a held entity's tail is retained (the entity is forgotten when its tail is evicted)
      this.previousUs[e] = this.log[(table.slab[slot * table.stride + S_TAIL] & this.mask) * LOG_STRIDE + L_TIME];
    }
    const base = slot * table.stride;
    this.link(table, slot, seq, timeUs);
    let minBoundary = Infinity;
    const maxBase = slot * table.maxPerSlot;
    for (let g = 0; g < table.groupOffset.length; g++) {
      const hi = this.slideGroupEnd(table, base, maxBase, g, seq, timeUs);
      if (hi !== NONE && hi < minBoundary) minBoundary = hi;
      for (let r = table.groupFirst[g]; r < table.groupLast[g]; r++) {
        const lo = this.slideRangeStart(
          table,
          base + table.rangeOffset[r],
          table.maxIndex[r] < 0 ? -1 : maxBase + table.maxIndex[r],
          hi,
          seq,
          timeUs,
          timeUs - table.rangeStartUs[r],
        );
        if (lo !== NONE && lo < minBoundary) minBoundary = lo;
      }
    }
    table.slab[base + S_MIN_BOUNDARY] = minBoundary;
    return slot;
  }

  /** Appends `seq` to the slot's list of transactions (it becomes the tail). */
  private link(table: EntityTable, slot: number, seq: number, timeUs: number): void {
    const s = table.slab;
    const log = this.log;
    const base = slot * table.stride;
    const previous = s[base + S_TAIL];
    if (previous !== NONE) {
      const previousRecord = (previous & this.mask) * LOG_STRIDE;
      log[previousRecord + table.nextField] = seq;
      log[previousRecord + table.nextTimeField] = timeUs;
    }
    s[base + S_TAIL] = seq;
    const pos = seq & this.mask;
    table.logSlot[pos] = slot;
    log[pos * LOG_STRIDE + table.nextField] = NONE;
    log[pos * LOG_STRIDE + table.nextTimeField] = Infinity;
  }

  /**
   * Moves delay group g's shared upper boundary to time `timeUs`: entries reaching the group's end enter all
   * of its windows at once. Returns the new boundary (the first seq not yet inside, NONE when caught up).
   */
  private slideGroupEnd(
    table: EntityTable,
    base: number,
    maxBase: number,
    g: number,
    seq: number,
    timeUs: number,
  ): number {
    const s = table.slab;
    const log = this.log;
    const mask = this.mask;
    const nextField = table.nextField;
    const groupAt = base + table.groupOffset[g];
    let hi = s[groupAt + HI];
    let hiTime = s[groupAt + HI_TIME];
    if (hi === NONE) {
      hi = seq;
      hiTime = timeUs;
    }
    const first = table.groupFirst[g];
    const last = table.groupLast[g];
    const squares = table.squares;
    const tracksMax = table.maxPerSlot > 0;
    const endLimit = timeUs - table.groupEndUs[g];
    while (hiTime <= endLimit) {
      const record = (hi & mask) * LOG_STRIDE;
      const amount = log[record + L_AMOUNT];
      const fraud = log[record + L_LABEL] === 1 ? 1 : 0;
      for (let r = first; r < last; r++) {
        const at = base + table.rangeOffset[r];
        s[at + COUNT]++;
        addToSum(s, at, amount);
        if (squares) addToSquares(s, at, amount * amount);
        s[at + FRAUDS] += fraud;
        if (tracksMax && table.maxIndex[r] >= 0) {
          // a known largest amount rises; an unknown one (NaN) stays unknown
          const maxAt = maxBase + table.maxIndex[r];
          if (amount > table.maxCache[maxAt]) table.maxCache[maxAt] = amount;
        }
      }
      hi = log[record + nextField];
      hiTime = log[record + table.nextTimeField];
    }
    s[groupAt + HI] = hi;
    s[groupAt + HI_TIME] = hiTime;
    return hi;
  }

  /**
   * Moves the start of the range at `at` (whose group ends at `hi`) past the entries at or before
   * `startLimit`; an empty range starts at `seq`. `maxAt`: the range's cached maximum in `table.maxCache`
   * (−1: none), forgotten when an amount equal to it leaves. Returns the range's new first seq.
   */
  private slideRangeStart(
    table: EntityTable,
    at: number,
    maxAt: number,
    hi: number,
    seq: number,
    timeUs: number,
    startLimit: number,
  ): number {
    const s = table.slab;
    let lo = s[at + LO];
    let loTime = s[at + LO_TIME];
    if (lo === NONE) {
      lo = seq;
      loTime = timeUs;
      s[at + LO] = lo;
      s[at + LO_TIME] = loTime;
    }
    if (lo === hi || loTime > startLimit) return lo;
    const log = this.log;
    const mask = this.mask;
    const squares = table.squares;
    let count = s[at + COUNT];
    do {
      const record = (lo & mask) * LOG_STRIDE;
      const amount = log[record + L_AMOUNT];
      count--;
      addToSum(s, at, -amount);
      if (squares) addToSquares(s, at, -(amount * amount));
      if (log[record + L_LABEL] === 1) s[at + FRAUDS]--;
      if (maxAt >= 0 && amount === table.maxCache[maxAt]) table.maxCache[maxAt] = NaN;
      lo = log[record + table.nextField];
      loTime = log[record + table.nextTimeField];
    } while (lo !== hi && loTime <= startLimit);
    if (count === 0) clearRange(s, at, squares);
    s[at + LO] = lo;
    s[at + LO_TIME] = loTime;
    s[at + COUNT] = count;
    return lo;
  }

  /**
   * Drops the oldest transaction. It is outside every window of every later transaction, so each range that
   * still starts at it moves past it now (the result equals what the next slide would do), and an entity
   * whose last transaction it was is forgotten.
   */
  private evictOldest(): void {
    const seq = this.head;
    const record = (seq & this.mask) * LOG_STRIDE;
    for (const table of this.entities) {
      const slot = table.logSlot[seq & this.mask];
      const base = slot * table.stride;
      const s = table.slab;
      if (s[base + S_TAIL] === seq) {
        // the entity's last transaction: nothing of it stays
        table.slots.delete(s[base + S_ID]);
        s[base + S_ID] = NaN;
        table.freeSlots.push(slot);
      } else if (s[base + S_MIN_BOUNDARY] === seq) {
        this.moveBoundariesPast(table, slot, seq, record);
      } // else no boundary sits on it: the windows are unaffected
    }
    this.idToSeq.delete(this.log[record + L_ID]);
    if (this.lateUs.size > 0) this.lateUs.delete(this.log[record + L_ID]);
    this.head++;
  }

  /** Eviction of `seq` (log record at `record`) from a slot with boundaries on it: they move to the next seq. */
  private moveBoundariesPast(table: EntityTable, slot: number, seq: number, record: number): void {
    const s = table.slab;
    const base = slot * table.stride;
    const log = this.log;
    const next = log[record + table.nextField];
    const nextTime = log[record + table.nextTimeField];
    let minBoundary = Infinity;
    for (let g = 0; g < table.groupOffset.length; g++) {
      const groupAt = base + table.groupOffset[g];
      // hi at this seq: it never entered the group's windows (they are empty and waiting for it)
      const pending = s[groupAt + HI] === seq;
      for (let r = table.groupFirst[g]; r < table.groupLast[g]; r++) {
        const at = base + table.rangeOffset[r];
        if (s[at + LO] !== seq) continue;
        if (!pending) {
          leaveRange(s, at, log[record + L_AMOUNT], log[record + L_LABEL] === 1, table.squares);
          const maxAt = table.maxIndex[r] < 0 ? -1 : slot * table.maxPerSlot + table.maxIndex[r];
          if (maxAt >= 0 && log[record + L_AMOUNT] === table.maxCache[maxAt]) table.maxCache[maxAt] = NaN;
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

  /** Re-lays the log into a ring of `capacity` positions (seqs keep their numbers). */
  private resize(capacity: number): void {
    const oldMask = this.mask;
    const newMask = capacity - 1;
    // Runs of seqs contiguous in both rings are copied whole (a typed-array copy, not an element loop).
    const move = <T extends Float64Array | Int32Array>(array: T, width: number): T => {
      const out = new (array.constructor as new (n: number) => T)(capacity * width);
      for (let seq = this.head; seq < this.tail;) {
        const from = seq & oldMask;
        const to = seq & newMask;
        const run = Math.min(this.tail - seq, oldMask + 1 - from, newMask + 1 - to);
        out.set(array.subarray(from * width, (from + run) * width), to * width);
        seq += run;
      }
      return out;
    };
    this.log = move(this.log, LOG_STRIDE);
    this.vectors = move(this.vectors, this.width);
    for (const table of this.entities) table.logSlot = move(table.logSlot, 1);
    this.capacity = capacity;
    this.mask = newMask;
  }
}

/** INVALID_TRANSACTION unless ids, time and amount are finite and the amount is not negative. */
function checkTransaction(
  transactionId: number,
  txDatetime: number,
  timeUs: number,
  customerId: number,
  terminalId: number,
  txAmount: number,
): void {
  if (
    Number.isFinite(timeUs) &&
    Number.isFinite(txAmount) &&
    txAmount >= 0 &&
    Number.isFinite(transactionId) &&
    Number.isFinite(customerId) &&
    Number.isFinite(terminalId)
  ) {
    return;
  }
  throw new FeaturesError(
    'INVALID_TRANSACTION',
    `transaction ${transactionId}: needs finite ids and tx_datetime and a tx_amount ≥ 0 ` +
      `(got customer ${customerId}, terminal ${terminalId}, time ${txDatetime}, amount ${txAmount})`,
  );
}
