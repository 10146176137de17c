-- wrk script for `npm run bench -- scoring`: POSTs /v1/score-shaped bodies, every transaction with a new id
-- and a time that moves forward (the online state sees a realistic stream, never a repeat), and prints the
-- run's figures as one JSON line (WRK_JSON …) for the suite to parse.
--
-- Settings (environment): BENCH_PATH (/v1/score), BENCH_BATCH (transactions per request, 1),
-- BENCH_ID_BASE (first id − 1), BENCH_TIME_BASE (epoch seconds of the first transaction),
-- BENCH_SECONDS_PER_TX (simulated seconds between consecutive transactions, 0.05: 20 a second; the scoring suite's
-- steady feed uses 8.64, the handbook world's 10,000 transactions a day),
-- BENCH_AUTH (a bearer key, optional), BENCH_EXPLAIN (1: every body asks "explain": true),
-- BENCH_CUSTOMERS / BENCH_TERMINALS (ids drawn from 0 … n − 1; 5,000 and 10,000, the handbook's world).

local path = os.getenv("BENCH_PATH") or "/v1/score"
local batch = tonumber(os.getenv("BENCH_BATCH") or "1")
local id_base = tonumber(os.getenv("BENCH_ID_BASE") or "0")
local time_base = tonumber(os.getenv("BENCH_TIME_BASE") or "1538352000")
local seconds_per_tx = tonumber(os.getenv("BENCH_SECONDS_PER_TX") or "0.05")
local auth = os.getenv("BENCH_AUTH")
local explain = os.getenv("BENCH_EXPLAIN") == "1" and ',"explain":true' or ''
local customers = tonumber(os.getenv("BENCH_CUSTOMERS") or "5000")
local terminals = tonumber(os.getenv("BENCH_TERMINALS") or "10000")

local threads = {}
local thread_count = 0

function setup(thread)
  thread:set("thread_index", thread_count)
  thread_count = thread_count + 1
  table.insert(threads, thread)
end

function init(args)
  counter = 0
  -- Threads draw from disjoint id ranges.
  first_id = id_base + (thread_index or 0) * 1000000000
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  if auth and auth ~= "" then
    wrk.headers["Authorization"] = "Bearer " .. auth
  end
end

local function transaction(n)
  local id = first_id + n
  -- One transaction every seconds_per_tx across the customers and terminals (5,000 and 10,000 by default), whole
  -- seconds (the small epsilon keeps n × 0.05 from flooring below n / 20).
  return string.format(
    '{"transaction_id":%d,"tx_datetime":%d,"customer_id":%d,"terminal_id":%d,"tx_amount":%.2f}',
    id, time_base + math.floor(n * seconds_per_tx + 1e-6), (n * 7919) % customers, (n * 104729) % terminals, ((n * 31) % 20000) / 100)
end

function request()
  local parts = {}
  for i = 1, batch do
    counter = counter + 1
    parts[i] = transaction(counter)
  end
  return wrk.format(nil, path, nil, '{"transactions":[' .. table.concat(parts, ",") .. ']' .. explain .. '}')
end

local non_2xx = 0

function response(status, headers, body)
  if status < 200 or status > 299 then
    non_2xx = non_2xx + 1
    if non_2xx <= 3 then
      io.stderr:write("non-2xx " .. status .. ": " .. string.sub(body or "", 1, 300) .. "\n")
    end
  end
end

-- The latency percentiles the suite merges when it joins several runs into one (PERCENTILE_POINTS in scoring.ts).
-- The last, 100, is the run's maximum (wrk's percentile(100) is not it).
local points = {10, 25, 50, 75, 90, 95, 97, 98, 98.5, 99, 99.25, 99.5, 99.75, 99.9, 100}

function done(summary, latency, requests)
  local e = summary.errors
  local pcts = {}
  for i, p in ipairs(points) do
    pcts[i] = string.format("%d", p == 100 and latency.max or latency:percentile(p))
  end
  io.write(string.format(
    'WRK_JSON {"requests":%d,"duration_us":%d,"bytes":%d,"errors_status":%d,"errors_connect":%d,"errors_read":%d,' ..
    '"errors_write":%d,"errors_timeout":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d,"mean_us":%.1f,' ..
    '"pcts":[%s]}\n',
    summary.requests, summary.duration, summary.bytes, e.status, e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean,
    table.concat(pcts, ",")))
end
