-- wrk script: POST / with a body of N bytes of "x" (N = first script argument, default 65536).
-- wrk builds its static request from wrk.method/body/headers after init() returns.
-- It must never change the request itself: the validator sends the same bytes.
init = function(args)
  local n = tonumber(args[1]) or 65536
  wrk.method = "POST"
  wrk.body = string.rep("x", n)
  wrk.headers["Content-Type"] = "application/octet-stream"
end
