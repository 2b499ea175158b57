-- POST one GraphQL request body over and over; count answers whose size differs from the
-- correct one; stop each thread after its share of the request budget; print a JSON summary.
--
--   wrk -t T -c C -d D -s post_query.lua URL -- BODY_FILE EXPECTED_BYTES MAX_REQUESTS_PER_THREAD

local ffi = require("ffi")
ffi.cdef([[
  typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
  int clock_gettime(int clock_id, bench_timespec *now);
]])
local CLOCK_MONOTONIC = 1

local function now_us()
  local now = ffi.new("bench_timespec")
  ffi.C.clock_gettime(CLOCK_MONOTONIC, now)
  return tonumber(now.tv_sec) * 1000000 + tonumber(now.tv_nsec) / 1000
end

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  local file = assert(io.open(args[1], "rb"))
  wrk.method = "POST"
  wrk.body = file:read("*a")
  file:close()
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Accept"] = "application/json"
  expected_bytes = tonumber(args[2])
  max_requests = tonumber(args[3])
  answered = 0
  wrong_size = 0
  non_200 = 0
  started_us = now_us()
  stopped_us = 0
end

function response(status, headers, body)
  answered = answered + 1
  if status ~= 200 then
    non_200 = non_200 + 1
  elseif expected_bytes > 0 and #body ~= expected_bytes then
    wrong_size = wrong_size + 1
  end
  if max_requests > 0 and answered >= max_requests and stopped_us == 0 then
    stopped_us = now_us()
    wrk.thread:stop()
  end
end

function done(summary, latency, requests)
  local wrong, bad_status, counted = 0, 0, 0
  local first_start, last_stop, all_stopped = nil, 0, true
  for _, thread in ipairs(threads) do
    wrong = wrong + thread:get("wrong_size")
    bad_status = bad_status + thread:get("non_200")
    counted = counted + thread:get("answered")
    local started, stopped = thread:get("started_us"), thread:get("stopped_us")
    if first_start == nil or started < first_start then first_start = started end
    if stopped == 0 then all_stopped = false elseif stopped > last_stop then last_stop = stopped end
  end
  -- A run whose every thread spent its request budget ended then, not at the set duration.
  local duration = summary.duration
  if all_stopped and first_start ~= nil then duration = last_stop - first_start end
  local percentiles = {}
  for _, p in ipairs({ 50, 75, 90, 95, 99, 99.9 }) do
    table.insert(percentiles, string.format('"%s":%d', tostring(p), latency:percentile(p)))
  end
  io.write("BENCH-SUMMARY ")
  io.write(string.format(
    '{"requests":%d,"duration_us":%d,"budget_spent":%s,"bytes":%d,"answered":%d,' ..
    '"wrong_size":%d,"non_200":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latency_us":{"min":%d,"max":%d,"mean":%.1f,"stdev":%.1f,"percentiles":{%s}}}\n',
    summary.requests, duration, tostring(all_stopped), summary.bytes, counted, wrong, bad_status,
    summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.status,
    summary.errors.timeout, latency.min, latency.max, latency.mean, latency.stdev,
    table.concat(percentiles, ",")))
end
