import type { EntityKind, FeaturePlan } from '@fraudops/features';

/**
 * The Lua scripts behind the Redis state store, generated from a feature plan (its ranges become constants
 * in the script, so a call carries only the transactions). Each script runs atomically in Redis: one call
 * updates the windows of every card and terminal of a batch, so replicas never interleave half-updates.
 *
 * Keys (all under the store's prefix, `fraudops:<spec hash>:` by default):
 * - `e:<kind letter>:<entity id>` list of the entity's retained transactions `timeUs|amount|txKey`, oldest first;
 * - `l:<kind letter>:<entity id>` hash txKey → label (`1` fraud, `0` genuine), only for kinds whose features read labels;
 * - `x:<txKey>` hash of one transaction: `f` its fields (a retry must match), `r` the window aggregates it got,
 *   `c`/`t` its customer and terminal, `l` its label, `a` the first answer given, `late` `1` when it came more
 *   than the late tolerance behind the newest time (kept, so a retry — also after a snapshot restore — is late too);
 * - `newest` the newest transaction time taken (µs): older transactions are taken at that time (or, beyond the
 *   tolerance under `LATE_POLICY=reject`, refused);
 * - `consumed` how many transactions were taken (each record's `s` is its number in that order).
 *
 * Window aggregates (`r`): `timeUs` the time the transaction was taken at, then per entity kind (in
 * `aggregateLayout` order) per range count, amount sum, amount max, frauds — and the sum of squared amounts for
 * ranges with an `amount_zscore` feature — then, for kinds with a recency feature, the time of the entity's
 * previous retained transaction. The features themselves (means, ratios, z-scores, hours since) are computed
 * from these by the memory engine's own functions, so both stores share their arithmetic.
 *
 * Floating point: Lua numbers are IEEE doubles, as JavaScript's; amounts travel as shortest round-trip decimals
 * and aggregates as `%.17g`, so no value changes on the way. Each call sums a range afresh with TwoSum (sum +
 * compensation), where the memory engine keeps running double-double sums that add entering and subtract
 * leaving amounts (squares: the same double `amount * amount` in both). Both hold the exact sum to ~1e-26
 * relative, so the doubles they round to are the same, except when the exact sum lies that close to a rounding
 * boundary: then they differ by one ulp (2^-53 relative). Counts, times and the hours since the previous
 * transaction are exact; sums, means and ratios agree within one ulp (the parity tolerance is 1e-9 relative);
 * a z-score, where one ulp of the mean of squares is amplified by (mean of squares / variance), within
 * 2^-52 × that ratio of max(|z|, 1) — under 1e-9 for any spread above 1.5e-4 of the mean (the z-score is 0
 * below 3.2e-5, ZSCORE_MIN_RELATIVE_VARIANCE), and in practice bit for bit.
 */

export const KIND_LETTER: Record<EntityKind, string> = { customer: 'c', terminal: 't' };

/** Numbers per range in an aggregate record: count, amount sum, amount max, frauds (+ the sum of squares where kept). */
const RANGE_AGGREGATES = 4;

export interface AggregateLayout {
  /**
   * Entity kinds of the plan, in plan order: whether its features read labels, whether a recency feature reads
   * its previous transaction's time, and its ranges (plan index; whether the range keeps a sum of squares).
   */
  kinds: Array<{
    kind: EntityKind;
    labelled: boolean;
    previous: boolean;
    ranges: Array<{ index: number; squares: boolean }>;
  }>;
  /** plan range index → position of its first aggregate (the count) in the record (after the time). */
  rangeAt: number[];
  /** plan range index → position of its sum of squared amounts in the record (−1: not kept). */
  squaresAt: number[];
  /** Position of the previous transaction's time (µs, `-` for none retained) per entity kind with a recency feature. */
  previousAt: Partial<Record<EntityKind, number>>;
  /** Keys a transaction brings to the apply script: its record, then per kind its list (and label hash). */
  keysPerTransaction: number;
}

/**
 * Where each aggregate sits in a record. A spec without `amount_zscore` or recency features (the baseline)
 * keeps the layout it always had, so records written before v2 support read the same.
 */
export function aggregateLayout(plan: FeaturePlan): AggregateLayout {
  const rangeAt = new Array<number>(plan.ranges.length).fill(-1);
  const squaresAt = new Array<number>(plan.ranges.length).fill(-1);
  const previousAt: AggregateLayout['previousAt'] = {};
  let at = 1;
  const kinds = plan.entities.map((kind) => {
    const ranges = plan.ranges.flatMap((r, index) =>
      r.entity === kind ? [{ index, squares: r.needsSumSquares }] : [],
    );
    for (const r of ranges) {
      rangeAt[r.index] = at;
      at += RANGE_AGGREGATES;
      if (r.squares) squaresAt[r.index] = at++;
    }
    const previous = plan.features.some((f) => f.kind === 'recency' && f.entity === kind);
    if (previous) previousAt[kind] = at++;
    return { kind, labelled: ranges.some((r) => plan.ranges[r.index].needsFrauds), previous, ranges };
  });
  const keysPerTransaction = 1 + kinds.reduce((n, k) => n + (k.labelled ? 2 : 1), 0);
  return { kinds, rangeAt, squaresAt, previousAt, keysPerTransaction };
}

/** The spec's ranges as a Lua table literal: per kind, per range {startExclusiveUs, endInclusiveUs, keeps squares}. */
function rangesLiteral(plan: FeaturePlan, layout: AggregateLayout): string {
  const kinds = layout.kinds.map((k) => {
    const ranges = k.ranges.map(
      (r) => `{${plan.ranges[r.index].startExclusiveUs},${plan.ranges[r.index].endInclusiveUs},${r.squares}}`,
    );
    return `{labelled=${k.labelled}, previous=${k.previous}, ranges={${ranges.join(',')}}}`;
  });
  return `{${kinds.join(',')}}`;
}

/**
 * KEYS: newest, consumed (a counter: the order in which transactions were taken), then per transaction `keysPerTransaction` keys (record, per kind list [, labels]).
 * ARGV: late tolerance µs, TTL ms, retention µs, late policy (`score` | `reject`), then per transaction: txKey,
 * timeUs, customer, terminal, amount. A transaction older than the newest time is taken at the newest time (the
 * memory engine's `processLateInto`); beyond the tolerance it is late: marked `late` in its record, or, under
 * `reject`, refused. Returns per transaction {fresh 1|0, aggregates, first answer or '', late 1|0}; nothing is
 * written when a transaction is refused (error `FRAUDOPS_LATE <index>` or `FRAUDOPS_CONFLICT <index>`).
 */
// eslint-disable-next-line max-lines-per-function -- the body is the Lua script's text, one template literal
export function applyScript(plan: FeaturePlan, layout: AggregateLayout): string {
  return `
local KINDS = ${rangesLiteral(plan, layout)}
local KPT = ${layout.keysPerTransaction}
local tolerance = tonumber(ARGV[1])
local ttl = ARGV[2]
local retention = tonumber(ARGV[3])
local reject = ARGV[4] == 'reject'
local n = (#ARGV - 4) / 5
local newestText = redis.call('GET', KEYS[1])
local newest = newestText and tonumber(newestText) or nil

-- pass 1: refuse the whole batch before writing anything
local seen = {}
local running = newest
for j = 0, n - 1 do
  local a = 5 + 5 * j
  local id = ARGV[a]
  local fields = ARGV[a + 1] .. '|' .. ARGV[a + 2] .. '|' .. ARGV[a + 3] .. '|' .. ARGV[a + 4]
  if seen[id] then
    if seen[id] ~= fields then return redis.error_reply('FRAUDOPS_CONFLICT ' .. j) end
  else
    local stored = redis.call('HGET', KEYS[3 + KPT * j], 'f')
    if stored then
      if stored ~= fields then return redis.error_reply('FRAUDOPS_CONFLICT ' .. j) end
    else
      local t = tonumber(ARGV[a + 1])
      if running and t < running then
        if reject and t < running - tolerance then return redis.error_reply('FRAUDOPS_LATE ' .. j) end
      else
        running = t
      end
    end
    seen[id] = fields
  end
end

-- pass 2: take each new transaction, answer repeats from their record
local out = {}
for j = 0, n - 1 do
  local a = 5 + 5 * j
  local id = ARGV[a]
  local record = KEYS[3 + KPT * j]
  local stored = redis.call('HMGET', record, 'r', 'a', 'late')
  if stored[1] then
    out[j + 1] = {0, stored[1], stored[2] or '', tonumber(stored[3] or '0')}
  else
    local t = tonumber(ARGV[a + 1])
    local late = 0
    if newest and t < newest then
      if t < newest - tolerance then late = 1 end
      t = newest
    end
    newest = t
    local ts = string.format('%d', t)
    local amount = ARGV[a + 4]
    local parts = {ts}
    local key = 4 + KPT * j
    for k = 1, #KINDS do
      local kind = KINDS[k]
      local list = KEYS[key]
      local labels = nil
      key = key + 1
      if kind.labelled then
        labels = KEYS[key]
        key = key + 1
      end
      -- forget what no window can reach any more
      local cutoff = t - retention
      while true do
        local first = redis.call('LINDEX', list, 0)
        if not first then break end
        local bar = string.find(first, '|', 1, true)
        if tonumber(string.sub(first, 1, bar - 1)) > cutoff then break end
        redis.call('LPOP', list)
        if labels then redis.call('HDEL', labels, string.sub(first, string.find(first, '|', bar + 1, true) + 1)) end
      end
      redis.call('RPUSH', list, ts .. '|' .. amount .. '|' .. id)
      redis.call('PEXPIRE', list, ttl)
      local known = {}
      if labels then
        local flat = redis.call('HGETALL', labels)
        for i = 1, #flat, 2 do known[flat[i]] = flat[i + 1] end
        if #flat > 0 then redis.call('PEXPIRE', labels, ttl) end
      end
      local ranges = kind.ranges
      local count, hi, lo, max, frauds, qhi, qlo = {}, {}, {}, {}, {}, {}, {}
      for r = 1, #ranges do count[r] = 0; hi[r] = 0; lo[r] = 0; max[r] = 0; frauds[r] = 0; qhi[r] = 0; qlo[r] = 0 end
      local entries = redis.call('LRANGE', list, 0, -1)
      local previous = '-'
      for e = 1, #entries do
        local entry = entries[e]
        local b1 = string.find(entry, '|', 1, true)
        local b2 = string.find(entry, '|', b1 + 1, true)
        local et = tonumber(string.sub(entry, 1, b1 - 1))
        local ea = tonumber(string.sub(entry, b1 + 1, b2 - 1))
        local fraud = known[string.sub(entry, b2 + 1)] == '1'
        -- the entity's previous transaction: the last retained one before this (the list's tail)
        if e == #entries - 1 then previous = string.sub(entry, 1, b1 - 1) end
        for r = 1, #ranges do
          if et > t - ranges[r][1] and et <= t - ranges[r][2] then
            count[r] = count[r] + 1
            -- TwoSum: hi + lo holds the sum without rounding residue
            local s = hi[r] + ea
            local v = s - hi[r]
            lo[r] = lo[r] + ((hi[r] - (s - v)) + (ea - v))
            hi[r] = s
            if ea > max[r] then max[r] = ea end
            if fraud then frauds[r] = frauds[r] + 1 end
            if ranges[r][3] then
              -- the squared amount as a double (as the memory engine squares it), summed the same way
              local q = ea * ea
              local qs = qhi[r] + q
              local qv = qs - qhi[r]
              qlo[r] = qlo[r] + ((qhi[r] - (qs - qv)) + (q - qv))
              qhi[r] = qs
            end
          end
        end
      end
      for r = 1, #ranges do
        parts[#parts + 1] = string.format('%d', count[r])
        parts[#parts + 1] = string.format('%.17g', hi[r] + lo[r])
        parts[#parts + 1] = string.format('%.17g', max[r])
        parts[#parts + 1] = string.format('%d', frauds[r])
        if ranges[r][3] then parts[#parts + 1] = string.format('%.17g', qhi[r] + qlo[r]) end
      end
      if kind.previous then parts[#parts + 1] = previous end
    end
    local aggregates = table.concat(parts, ',')
    local seq = redis.call('INCR', KEYS[2])
    redis.call('HSET', record, 'f', ARGV[a + 1] .. '|' .. ARGV[a + 2] .. '|' .. ARGV[a + 3] .. '|' .. amount, 'r', aggregates, 'c', ARGV[a + 2], 't', ARGV[a + 3], 's', seq)
    if late == 1 then redis.call('HSET', record, 'late', '1') end
    redis.call('PEXPIRE', record, ttl)
    out[j + 1] = {1, aggregates, '', late}
  end
end
if newest then redis.call('SET', KEYS[1], string.format('%d', newest)) end
return out
`;
}

/**
 * KEYS: transaction records. ARGV: one encoded answer per record. The first answer stored for a
 * transaction wins; returns, per record, the answer that stands (a record already gone keeps the given one).
 */
export const REMEMBER_ANSWERS_SCRIPT = `
local out = {}
for j = 1, #KEYS do
  if redis.call('EXISTS', KEYS[j]) == 1 then
    if redis.call('HSETNX', KEYS[j], 'a', ARGV[j]) == 1 then out[j] = ARGV[j] else out[j] = redis.call('HGET', KEYS[j], 'a') end
  else
    out[j] = ARGV[j]
  end
end
return out
`;

/**
 * ARGV: key prefix, TTL ms, then pairs txKey, label (`1`/`0`). The label hashes are found through the
 * transaction's record, so their keys are built here (one Redis instance, not Cluster: see README).
 * Returns per label {outcome, the first answer or ''}; outcome `applied`, `unchanged` or `unknown`.
 */
export function labelScript(layout: AggregateLayout): string {
  const labelled = layout.kinds.filter((k) => k.labelled).map((k) => `'${KIND_LETTER[k.kind]}'`);
  return `
local LABELLED = {${labelled.join(',')}}
local prefix = ARGV[1]
local ttl = ARGV[2]
local out = {}
for j = 3, #ARGV, 2 do
  local id = ARGV[j]
  local label = ARGV[j + 1]
  local record = prefix .. 'x:' .. id
  local v = redis.call('HMGET', record, 'c', 't', 'l', 'a')
  if not v[1] then
    out[#out + 1] = {'unknown', ''}
  elseif v[3] == label then
    out[#out + 1] = {'unchanged', v[4] or ''}
  else
    redis.call('HSET', record, 'l', label)
    for k = 1, #LABELLED do
      local entity = LABELLED[k] == 'c' and v[1] or v[2]
      local labels = prefix .. 'l:' .. LABELLED[k] .. ':' .. entity
      redis.call('HSET', labels, id, label)
      redis.call('PEXPIRE', labels, ttl)
    end
    out[#out + 1] = {'applied', v[4] or ''}
  end
end
return out
`;
}
