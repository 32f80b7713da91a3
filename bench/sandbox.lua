-- wrk script for bench/run: the sandbox API with a valid key, as a client sends it
-- (Authorization: Bearer <key>). The keys come from BENCH_SANDBOX_KEYS (one per line,
-- bench/make_sandbox_keys.py), one learner each; requests take them in turn, so that no
-- learner's access log reaches its cap during a run.

local path = os.getenv("BENCH_SANDBOX_KEYS")
if path == nil or path == "" then
  error("BENCH_SANDBOX_KEYS is not set (bench/sandbox.lua is run by bench/run)")
end
local keys = {}
for line in io.lines(path) do
  if line ~= "" then keys[#keys + 1] = "Bearer " .. line end
end

local threads = {}
function setup(thread)
  thread:set("offset", #threads * 7)
  threads[#threads + 1] = thread
end

sent = 0
function request()
  sent = sent + 1
  wrk.headers["Authorization"] = keys[(offset + sent) % #keys + 1]
  return wrk.format()
end
