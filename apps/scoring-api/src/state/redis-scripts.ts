import { DAY_US, type EntityKind, type FeaturePlan } from '@fraudops/features';

/**
 * The Lua scripts behind the Redis state store, generated from a feature plan (its ranges become constants
 * in the script, so a call carries only the transactions). Each script runs atomically in Redis: one call
 * updates the windows of every card and terminal of a batch, so replicas never interleave half-updates.
 *
 * Keys (all under the store's prefix, `fraudops:<spec hash>:` by default):
 * - `e:<kind letter>:<entity id>` list of the entity's retained transactions `timeUs|amount|txKey`, oldest first;
 * - `a:<kind letter>:<entity id>` the entity's running window state, doubles packed little-endian (`struct`):
 *   the absolute index of the list's head (entries ever dropped) and the times of its head and tail, per delay
 *   group the first entry not yet inside its windows and that entry's time, per range its first entry inside
 *   and that entry's time, amount sum (double-double hi, lo), frauds and sum of squared amounts (hi, lo) — the
 *   memory engine's slot (`online-layout.ts`) with list indexes for seqs; with the times, a boundary that does
 *   not move reads no entry;
 * - `l:<kind letter>:<entity id>` hash txKey → label (`1` fraud, `0` genuine), only for kinds whose features read labels;
 * - `x:<txKey>` hash of one transaction: `f` its fields (a retry must match), `r` the window aggregates it got,
 *   `c`/`t` its customer and terminal, `l` its label, `a` the first answer given, `late` `1` when it came more
 *   than the late tolerance behind the newest time (kept, so a retry — also after a snapshot restore — is late too);
 * - `newest` the newest transaction time taken (µs): older transactions are taken at that time (or, beyond the
 *   tolerance under `LATE_POLICY=reject`, refused);
 * - `consumed` how many transactions were taken (each record's `s` is its number in that order).
 *
 * Cost: a transaction moves each window's boundaries over the entries that cross them (entering at the
 * window's end, leaving past its start, dropped past the horizon), O(crossing) per entity, not O(retained):
 * the memory engine's algorithm, done lazily when the entity is next touched (eviction included: the entries
 * it drops and the boundary moves are those the memory engine would have made by then, in the same order).
 * Only a `max` feature walks its window. A list without a running state (written before running states, or
 * whose state expired, or of another layout) is rebuilt from the list on its next transaction: every boundary
 * starts at its head.
 *
 * Window aggregates (`r`): `timeUs` the time the transaction was taken at, then per entity kind (in
 * `aggregateLayout` order) per range count, amount sum, amount max, frauds — and the sum of squared amounts for
 * ranges with an `amount_zscore` feature — then, for kinds with a recency feature, the time of the entity's
 * previous retained transaction. The features themselves (means, ratios, z-scores, hours since) are computed
 * from these by the memory engine's own functions, so both stores share their arithmetic.
 *
 * Floating point: Lua numbers are IEEE doubles, as JavaScript's; amounts travel as shortest round-trip decimals,
 * running states as the doubles' bytes and aggregates as `%.17g`, so no value changes on the way. The running
 * sums are the memory engine's double-double sums (TwoSum, renormalised; squares: the same double
 * `amount * amount`), with the same operations on the same amounts in the same order — entries enter in list
 * order, leave in list order, an emptied window restarts from exact zeros — so they are the memory engine's
 * doubles bit for bit. The parity tests hold them to the issue's tolerance (counts exact, sums, means and
 * ratios within 1e-9 relative, z-scores within 1e-9 of max(|z|, 1)) and check the stronger bit-for-bit claim
 * on the v2 spec. A rebuilt state (see Cost) enters and leaves in the same order too, but from a head the
 * memory engine had already passed, so its sums may differ from the memory engine's in the last bits (both
 * hold the exact sum to ~1e-26 relative; one ulp at most, within the tolerance).
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
  /** Keys a transaction brings to the apply script: its record, then per kind its list, its running state (and label hash). */
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
  const keysPerTransaction = 1 + kinds.reduce((n, k) => n + (k.labelled ? 3 : 2), 0);
  return { kinds, rangeAt, squaresAt, previousAt, keysPerTransaction };
}

/** The running state's header: the list head's absolute index, the head's and the tail's times. */
const STATE_HEADER = 3;
/** Per delay group: its first entry not yet inside and that entry's time. */
const GROUP_STATE = 2;
/** Per range: its first entry inside and that entry's time, amount sum (hi, lo), frauds, squares (hi, lo). */
const RANGE_STATE = 7;

/**
 * An entity kind's running state as a Lua table literal (see the file comment): its ranges grouped by delay
 * (a group shares one upper boundary, as in the memory engine), each range's place in the packed state.
 */
function kindLiteral(plan: FeaturePlan, kind: AggregateLayout['kinds'][number]): string {
  const delays = [...new Set(kind.ranges.map((r) => plan.ranges[r.index].delayDays))];
  const groupOf = (r: { index: number }) => delays.indexOf(plan.ranges[r.index].delayDays);
  const groupAt = (g: number) => STATE_HEADER + 1 + GROUP_STATE * g;
  const groups = delays.map((delay, g) => {
    const members = kind.ranges.flatMap((r, k) => (groupOf(r) === g ? [k + 1] : []));
    return `{endUs=${delay * DAY_US}, hi=${groupAt(g)}, ht=${groupAt(g) + 1}, ranges={${members.join(',')}}}`;
  });
  const ranges = kind.ranges.map((r, k) => {
    const range = plan.ranges[r.index];
    const at = groupAt(delays.length) + k * RANGE_STATE;
    return (
      `{startUs=${range.startExclusiveUs}, hi=${groupAt(groupOf(r))}, at=${at}, lt=${at + 1}, sum=${at + 2}, ` +
      `frauds=${at + 4}, sq=${at + 5}, squares=${r.squares}, max=${range.needsMax}}`
    );
  });
  const fields = groupAt(delays.length) - 1 + kind.ranges.length * RANGE_STATE;
  return (
    `{labelled=${kind.labelled}, previous=${kind.previous}, letter='${KIND_LETTER[kind.kind]}', ` +
    `fmt='<${'d'.repeat(fields)}', fields=${fields}, groups={${groups.join(',')}}, ranges={${ranges.join(',')}}}`
  );
}

/** The Lua helpers both scripts use: the packed running state (nil when absent or of another layout). */
const STATE_LUA = `
local function loadState(kind, text)
  if not text or #text ~= 8 * kind.fields then return nil end
  local s = {struct.unpack(kind.fmt, text)}
  s[kind.fields + 1] = nil
  return s
end
local function packState(kind, s)
  return struct.pack(kind.fmt, unpack(s, 1, kind.fields))
end
`;

/**
 * KEYS: newest, consumed (a counter: the order in which transactions were taken), then per transaction
 * `keysPerTransaction` keys (record, per kind its list, its running state [, its labels]).
 * ARGV: late tolerance µs, TTL ms, retention µs, late policy (`score` | `reject`), then per transaction: txKey,
 * timeUs, customer, terminal, amount. A transaction older than the newest time is taken at the newest time (the
 * memory engine's `processLateInto`); beyond the tolerance it is late: marked `late` in its record, or, under
 * `reject`, refused. Returns per transaction {fresh 1|0, aggregates, first answer or '', late 1|0}; nothing is
 * written when a transaction is refused (error `FRAUDOPS_LATE <index>` or `FRAUDOPS_CONFLICT <index>`).
 */
// eslint-disable-next-line max-lines-per-function -- the body is the Lua script's text, one template literal
export function applyScript(plan: FeaturePlan, layout: AggregateLayout): string {
  return `
local KINDS = {${layout.kinds.map((k) => kindLiteral(plan, k)).join(',')}}
local KPT = ${layout.keysPerTransaction}
local tolerance = tonumber(ARGV[1])
local ttl = ARGV[2]
local retention = tonumber(ARGV[3])
local reject = ARGV[4] == 'reject'
local n = (#ARGV - 4) / 5
local newestText = redis.call('GET', KEYS[1])
local newest = newestText and tonumber(newestText) or nil
${STATE_LUA}
-- x + y into the double-double s[at] + s[at + 1]: TwoSum, then renormalise (the memory engine's addDoubleDouble)
local function add(s, at, x)
  local hi = s[at]
  local sum = hi + x
  local v = sum - hi
  local lo = s[at + 1] + ((hi - (sum - v)) + (x - v))
  local total = sum + lo
  s[at + 1] = lo - (total - sum)
  s[at] = total
end

-- one entity's list and running state while a transaction updates it; entries are read by absolute index
-- (s[1] is the absolute index of the list's head) and parsed once: {time, amount, txKey, time text, fraud}
local INF = math.huge
local list, labels, s, cache
local function entry(i)
  local e = cache[i]
  if not e then
    local text = redis.call('LINDEX', list, i - s[1])
    local b1 = string.find(text, '|', 1, true)
    local b2 = string.find(text, '|', b1 + 1, true)
    local time = string.sub(text, 1, b1 - 1)
    e = {tonumber(time), tonumber(string.sub(text, b1 + 1, b2 - 1)), string.sub(text, b2 + 1), time}
    cache[i] = e
  end
  return e
end
local function fraudOf(e)
  if e[5] == nil then e[5] = labels ~= nil and redis.call('HGET', labels, e[3]) == '1' end
  return e[5]
end
local function leave(range, e)
  add(s, range.sum, -e[2])
  if range.squares then add(s, range.sq, -(e[2] * e[2])) end
  if fraudOf(e) then s[range.frauds] = s[range.frauds] - 1 end
end
-- an emptied range: exact zeros (no rounding residue survives), as the memory engine's clearRange
local function clear(range)
  s[range.sum] = 0; s[range.sum + 1] = 0; s[range.frauds] = 0; s[range.sq] = 0; s[range.sq + 1] = 0
end

-- a state with no entry: every boundary at absolute index 0 (times: none yet)
local function freshState(kind)
  local fresh = {}
  for i = 1, kind.fields do fresh[i] = 0 end
  fresh[2] = INF; fresh[3] = INF
  for _, group in ipairs(kind.groups) do fresh[group.ht] = INF end
  for _, range in ipairs(kind.ranges) do fresh[range.lt] = INF end
  return fresh
end

-- drops the head entry (no window of this or a later transaction reaches it): the memory engine's eviction,
-- done when the entity is next touched; a range starting at it moves past it (it leaves unless still pending)
local function evictHead(kind, len)
  local i = s[1]
  local e = entry(i)
  local nextTime = len > 1 and entry(i + 1)[1] or INF
  for g = 1, #kind.groups do
    local group = kind.groups[g]
    local pending = s[group.hi] == i
    for _, r in ipairs(group.ranges) do
      local range = kind.ranges[r]
      if s[range.at] == i then
        s[range.at] = i + 1
        s[range.lt] = nextTime
        if not pending then
          leave(range, e)
          if s[group.hi] == i + 1 then clear(range) end
        end
      end
    end
    if pending then
      s[group.hi] = i + 1
      s[group.ht] = nextTime
    end
  end
  redis.call('LPOP', list)
  if labels then redis.call('HDEL', labels, e[3]) end
  s[1] = i + 1
  s[2] = nextTime
end

-- slides every range of the entity to time t (the new entry is at absolute index last): entries reaching a
-- group's end enter its windows, entries past a window's start leave it (the memory engine's slideGroupEnd /
-- slideRangeStart, same order, same sums); each boundary keeps its entry's time, so one that does not move
-- reads nothing
local function slide(kind, t, last)
  for g = 1, #kind.groups do
    local group = kind.groups[g]
    local limit = t - group.endUs
    local hi, ht = s[group.hi], s[group.ht]
    if hi == last then ht = t end
    while hi <= last and ht <= limit do
      local e = entry(hi)
      local fraud = fraudOf(e)
      for _, r in ipairs(group.ranges) do
        local range = kind.ranges[r]
        add(s, range.sum, e[2])
        if range.squares then add(s, range.sq, e[2] * e[2]) end
        if fraud then s[range.frauds] = s[range.frauds] + 1 end
      end
      hi = hi + 1
      ht = hi <= last and entry(hi)[1] or INF
    end
    s[group.hi] = hi
    s[group.ht] = ht
    for _, r in ipairs(group.ranges) do
      local range = kind.ranges[r]
      local startLimit = t - range.startUs
      local lo, lt = s[range.at], s[range.lt]
      if lo == last then lt = t end
      if lo ~= hi and lt <= startLimit then
        repeat
          leave(range, entry(lo))
          lo = lo + 1
          lt = lo <= last and entry(lo)[1] or INF
        until lo == hi or lt > startLimit
        if lo == hi then clear(range) end
      end
      s[range.at] = lo
      s[range.lt] = lt
    end
  end
end

-- the range's aggregates for the record: count, sum, max, frauds [, sum of squares]
local function rangeParts(range, parts)
  local lo, hi = s[range.at], s[range.hi]
  local max = 0
  if range.max and hi > lo then
    -- only specs with a max feature walk the window
    local texts = redis.call('LRANGE', list, lo - s[1], hi - 1 - s[1])
    for _, text in ipairs(texts) do
      local b1 = string.find(text, '|', 1, true)
      local amount = tonumber(string.sub(text, b1 + 1, string.find(text, '|', b1 + 1, true) - 1))
      if amount > max then max = amount end
    end
  end
  parts[#parts + 1] = string.format('%d', hi - lo)
  parts[#parts + 1] = string.format('%.17g', s[range.sum] + s[range.sum + 1])
  parts[#parts + 1] = string.format('%.17g', max)
  parts[#parts + 1] = string.format('%d', s[range.frauds])
  if range.squares then parts[#parts + 1] = string.format('%.17g', s[range.sq] + s[range.sq + 1]) end
end

-- the state of an entity whose list has no running state (written before running states, or expired before
-- its list): base 0 and every boundary at the head, so the next slide rebuilds it from the list
local function rebuiltState(kind, len)
  s = freshState(kind)
  local first = entry(0)[1]
  s[2] = first
  s[3] = entry(len - 1)[1]
  for _, group in ipairs(kind.groups) do s[group.ht] = first end
  for _, range in ipairs(kind.ranges) do s[range.lt] = first end
  return s
end

-- takes transaction (id, t, amount) into one entity: evicts, appends, slides; adds its aggregates to parts
local function take(kind, stateKey, id, t, ts, amount, parts)
  cache = {}
  local len = redis.call('LLEN', list)
  s = len > 0 and loadState(kind, redis.call('GET', stateKey)) or nil
  if not s then
    s = freshState(kind)
    if len > 0 then s = rebuiltState(kind, len) end
  end
  local cutoff = t - retention
  if len > 0 and s[3] <= cutoff then
    -- its newest transaction is beyond every window: the entity is forgotten, as in memory
    redis.call('DEL', list)
    if labels then redis.call('DEL', labels) end
    s = freshState(kind)
    cache = {}
    len = 0
  end
  while len > 0 and s[2] <= cutoff do
    evictHead(kind, len)
    len = len - 1
  end
  local previous = len > 0 and string.format('%d', s[3]) or '-'
  redis.call('RPUSH', list, ts .. '|' .. amount .. '|' .. id)
  local last = s[1] + len
  cache[last] = {t, tonumber(amount), id, ts}
  if len == 0 then s[2] = t end
  s[3] = t
  slide(kind, t, last)
  for r = 1, #kind.ranges do rangeParts(kind.ranges[r], parts) end
  if kind.previous then parts[#parts + 1] = previous end
  redis.call('SET', stateKey, packState(kind, s), 'PX', ttl)
  redis.call('PEXPIRE', list, ttl)
  if labels then redis.call('PEXPIRE', labels, ttl) end
end

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
      list = KEYS[key]
      local stateKey = KEYS[key + 1]
      key = key + 2
      labels = nil
      if kind.labelled then
        labels = KEYS[key]
        key = key + 1
      end
      take(kind, stateKey, id, t, ts, amount, parts)
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
 * ARGV: key prefix, TTL ms, then pairs txKey, label (`1`/`0`). The label hashes and running states are found
 * through the transaction's record, so their keys are built here (one Redis instance, not Cluster: see README).
 * A label that changes a transaction's fraud flag moves the fraud count of each of its entities' windows that
 * holds it now (the memory engine's `recordLabel`); a window it enters later reads it from the label hash.
 * Returns per label {outcome, the first answer or ''}; outcome `applied`, `unchanged` or `unknown`.
 */
export function labelScript(plan: FeaturePlan, layout: AggregateLayout): string {
  const labelled = layout.kinds.filter((k) => k.labelled).map((k) => kindLiteral(plan, k));
  return `
local LABELLED = {${labelled.join(',')}}
local prefix = ARGV[1]
local ttl = ARGV[2]
${STATE_LUA}
-- the windows of an entity that hold the transaction now (between a range's start and its group's end)
local function moveFrauds(kind, entity, id, record, delta)
  local stateKey = prefix .. 'a:' .. kind.letter .. ':' .. entity
  local text = redis.call('GET', stateKey)
  if not text then return end
  -- the list entry: the time it was taken at (the record's aggregates start with it), its amount as given
  local entry = string.match(record[5], '^[^,]*') .. '|' .. string.match(record[6], '[^|]*$') .. '|' .. id
  local pos = redis.call('LPOS', prefix .. 'e:' .. kind.letter .. ':' .. entity, entry)
  if not pos then return end
  local s = loadState(kind, text)
  if not s then return end
  local i = s[1] + pos
  for _, range in ipairs(kind.ranges) do
    if s[range.at] <= i and i < s[range.hi] then s[range.frauds] = s[range.frauds] + delta end
  end
  redis.call('SET', stateKey, packState(kind, s), 'KEEPTTL')
end

local out = {}
for j = 3, #ARGV, 2 do
  local id = ARGV[j]
  local label = ARGV[j + 1]
  local record = prefix .. 'x:' .. id
  local v = redis.call('HMGET', record, 'c', 't', 'l', 'a', 'r', 'f')
  if not v[1] then
    out[#out + 1] = {'unknown', ''}
  elseif v[3] == label then
    out[#out + 1] = {'unchanged', v[4] or ''}
  else
    local delta = (label == '1' and 1 or 0) - (v[3] == '1' and 1 or 0)
    redis.call('HSET', record, 'l', label)
    for k = 1, #LABELLED do
      local kind = LABELLED[k]
      local entity = kind.letter == 'c' and v[1] or v[2]
      local labels = prefix .. 'l:' .. kind.letter .. ':' .. entity
      redis.call('HSET', labels, id, label)
      redis.call('PEXPIRE', labels, ttl)
      if delta ~= 0 then moveFrauds(kind, entity, id, v, delta) end
    end
    out[#out + 1] = {'applied', v[4] or ''}
  end
end
return out
`;
}
