import type { EntityKind, FeaturePlan, PlannedFeature, WindowAggregate } from '@fraudops/features';

/**
 * The Lua scripts behind the Redis state store, generated from a feature plan (its ranges become constants
 * in the script, so a call carries only the transactions). Each script runs atomically in Redis: one call
 * updates the windows of every card and terminal of a batch, so replicas never interleave half-updates.
 *
 * Keys (all under one prefix, see `RedisKeys`):
 * - `e:<kind letter>:<entity id>` list of the entity's retained transactions `timeUs|amount|txKey`, oldest first;
 * - `l:<kind letter>:<entity id>` hash txKey → label (`1` fraud, `0` genuine), only for kinds whose features read labels;
 * - `x:<txKey>` hash of one transaction: `f` its fields (a retry must match), `r` the window aggregates it got,
 *   `c`/`t` its customer and terminal, `l` its label, `a` the first answer given, `late` `1` when it came more
 *   than the late tolerance behind the newest time (kept, so a retry — also after a snapshot restore — is late too);
 * - `newest` the newest transaction time taken (µs): older transactions are taken at that time (or, beyond the
 *   tolerance under `LATE_POLICY=reject`, refused);
 * - `consumed` how many transactions were taken (each record's `s` is its number in that order).
 *
 * Window aggregates (`r`): `timeUs` the time the transaction was taken at, then per range of the plan (in
 * `aggregateLayout` order) count, amount sum, amount max, frauds. Sums use TwoSum compensation like the
 * in-memory engine, so both agree far inside the 1e-9 parity tolerance.
 */

export const KIND_LETTER: Record<EntityKind, string> = { customer: 'c', terminal: 't' };

/** The window aggregates the scripts' records (count, sum, max, frauds) give. */
const STORED_AGGREGATES: ReadonlySet<WindowAggregate> = new Set<WindowAggregate>(['count', 'sum', 'mean', 'max', 'fraud_ratio']);

/** Whether a planned feature comes from the transaction itself or from the aggregates the scripts keep. */
export function storedAggregate(feature: PlannedFeature): boolean {
  return feature.kind !== 'recency' && (feature.kind !== 'window' || STORED_AGGREGATES.has(feature.aggregate));
}

/** Numbers per range in an aggregate record. */
export const RANGE_AGGREGATES = 4;

export interface AggregateLayout {
  /** Entity kinds with ranges, in plan order; per kind whether its features read labels. */
  kinds: Array<{ kind: EntityKind; labelled: boolean; ranges: number[] }>;
  /** plan range index → position of its first aggregate in the record (after the time). */
  rangeAt: number[];
  /** Keys a transaction brings to the apply script: its record, then per kind its list (and label hash). */
  keysPerTransaction: number;
}

export function aggregateLayout(plan: FeaturePlan): AggregateLayout {
  const rangeAt = new Array<number>(plan.ranges.length).fill(-1);
  let at = 1;
  const kinds = plan.entities.map((kind) => {
    const ranges = plan.ranges.flatMap((r, i) => (r.entity === kind ? [i] : []));
    for (const r of ranges) {
      rangeAt[r] = at;
      at += RANGE_AGGREGATES;
    }
    return { kind, labelled: ranges.some((r) => plan.ranges[r].needsFrauds), ranges };
  });
  const keysPerTransaction = 1 + kinds.reduce((n, k) => n + (k.labelled ? 2 : 1), 0);
  return { kinds, rangeAt, keysPerTransaction };
}

/** The spec's ranges as a Lua table literal: per kind, per range {startExclusiveUs, endInclusiveUs}. */
function rangesLiteral(plan: FeaturePlan, layout: AggregateLayout): string {
  const kinds = layout.kinds.map(
    (k) => `{labelled=${k.labelled}, ranges={${k.ranges.map((r) => `{${plan.ranges[r].startExclusiveUs},${plan.ranges[r].endInclusiveUs}}`).join(',')}}}`,
  );
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
      local count, hi, lo, max, frauds = {}, {}, {}, {}, {}
      for r = 1, #ranges do count[r] = 0; hi[r] = 0; lo[r] = 0; max[r] = 0; frauds[r] = 0 end
      local entries = redis.call('LRANGE', list, 0, -1)
      for e = 1, #entries do
        local entry = entries[e]
        local b1 = string.find(entry, '|', 1, true)
        local b2 = string.find(entry, '|', b1 + 1, true)
        local et = tonumber(string.sub(entry, 1, b1 - 1))
        local ea = tonumber(string.sub(entry, b1 + 1, b2 - 1))
        local fraud = known[string.sub(entry, b2 + 1)] == '1'
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
          end
        end
      end
      for r = 1, #ranges do
        parts[#parts + 1] = string.format('%d', count[r])
        parts[#parts + 1] = string.format('%.17g', hi[r] + lo[r])
        parts[#parts + 1] = string.format('%.17g', max[r])
        parts[#parts + 1] = string.format('%d', frauds[r])
      end
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
