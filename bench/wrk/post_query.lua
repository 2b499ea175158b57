-- POST one GraphQL request body over and over; count answers whose size differs from the
-- correct one; stop each thread after its share of the request budget; print a JSON summary.
--
--   wrk -t T -c C -d D -s post_query.lua URL -- BODY_FILE EXPECTED_BYTES MAX_REQUESTS_PER_THREAD

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
end

function response(status, headers, body)
  answered = answered + 1
  if status ~= 200 then
    non_200 = non_200 + 1
  elseif expected_bytes > 0 and #body ~= expected_bytes then
    wrong_size = wrong_size + 1
  end
  if max_requests > 0 and answered >= max_requests then
    wrk.thread:stop()
  end
end

function done(summary, latency, requests)
  local wrong, bad_status, counted = 0, 0, 0
  for _, thread in ipairs(threads) do
    wrong = wrong + thread:get("wrong_size")
    bad_status = bad_status + thread:get("non_200")
    counted = counted + thread:get("answered")
  end
  local percentiles = {}
  for _, p in ipairs({ 50, 75, 90, 95, 99, 99.9 }) do
    table.insert(percentiles, string.format('"%s":%d', tostring(p), latency:percentile(p)))
  end
  io.write("BENCH-SUMMARY ")
  io.write(string.format(
    '{"requests":%d,"duration_us":%d,"bytes":%d,"answered":%d,"wrong_size":%d,"non_200":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latency_us":{"min":%d,"max":%d,"mean":%.1f,"stdev":%.1f,"percentiles":{%s}}}\n',
    summary.requests, summary.duration, summary.bytes, counted, wrong, bad_status,
    summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.status,
    summary.errors.timeout, latency.min, latency.max, latency.mean, latency.stdev,
    table.concat(percentiles, ",")))
end
