-- wrk reporting hook, appended to every scenario script by bench/lib/wrk.mjs: prints one line
-- "WRKJSON {...}" with totals and error counts so the harness never scrapes wrk's prose.
-- It must never alter requests.
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests":%d,"duration_us":%d,"bytes":%d,"connect":%d,"read":%d,"write":%d,' ..
    '"status":%d,"timeout":%d,"p50_us":%d,"p99_us":%d}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write,
    e.status, e.timeout, latency:percentile(50), latency:percentile(99)))
end
