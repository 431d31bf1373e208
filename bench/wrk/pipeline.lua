-- wrk script: sends N pipelined GET / requests per write (N = first script argument, default 16).
-- wrk counts each response, so requests/s is per request, not per batch.
-- It must never change the request itself: the validator sends the same bytes.
init = function(args)
  local n = tonumber(args[1]) or 16
  local r = {}
  for i = 1, n do
    r[i] = wrk.format(nil, "/")
  end
  pipelined = table.concat(r)
end

request = function()
  return pipelined
end
