-- wrk script for bench/run: POST practice answers the way the browser's htmx form does, each
-- with a fresh signed form token (a token records one answer; reusing one would measure the
-- "already answered" path instead).
--
-- Environment, all set by bench/run:
--   BENCH_PRACTICE_TOKENS   file with one token per line (bench/make_practice_tokens.py)
--   BENCH_PRACTICE_COOKIE   "csrftoken=...; sessionid=..." of one anonymous learner
--   BENCH_PRACTICE_CSRF     the CSRF secret, sent as X-CSRFToken
--   BENCH_PRACTICE_ORIGIN   https://127.0.0.1:<port> (the proxy's scheme, the server's host)
--   BENCH_PRACTICE_REFERER  the practice page's https URL
--   BENCH_WRK_THREADS       wrk's -t, so that threads can share the tokens out without overlap
--
-- Tokens already sent (by the curl checks or an earlier wrk run such as the warm-up) are
-- recorded in "<tokens file>.used"; each run starts after them and updates the file in done().
-- If a run runs out of tokens, the report says "practice tokens exhausted" and bench/run fails.

local function need(name)
  local value = os.getenv(name)
  if value == nil or value == "" then
    error(name .. " is not set (bench/practice_post.lua is run by bench/run)")
  end
  return value
end

local tokens_path = need("BENCH_PRACTICE_TOKENS")
local used_path = tokens_path .. ".used"
local nthreads = tonumber(need("BENCH_WRK_THREADS"))

local function read_used()
  local f = io.open(used_path, "r")
  if f == nil then
    return 0
  end
  local n = tonumber(f:read("*l"))
  f:close()
  return n or 0
end

local tokens = {}
for line in io.lines(tokens_path) do
  tokens[#tokens + 1] = line
end

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["HX-Request"] = "true"
wrk.headers["Cookie"] = need("BENCH_PRACTICE_COOKIE")
wrk.headers["X-CSRFToken"] = need("BENCH_PRACTICE_CSRF")
wrk.headers["Origin"] = need("BENCH_PRACTICE_ORIGIN")
wrk.headers["Referer"] = need("BENCH_PRACTICE_REFERER")

-- Main state: hand each thread its share, token first + index, first + index + nthreads, ...
local threads = {}
local start = read_used()

function setup(thread)
  thread:set("index", #threads)
  thread:set("first", start)
  threads[#threads + 1] = thread
end

-- Thread state (index and first come from setup).
local letters = { "A", "B", "C", "D" }
sent = 0
exhausted = false

function request()
  local n = first + index + sent * nthreads + 1
  if n > #tokens then
    exhausted = true
    n = (n - 1) % #tokens + 1
  end
  sent = sent + 1
  -- Cycle through the options: one answer in four is right, as for a learner guessing.
  local body = "choice=" .. letters[sent % 4 + 1] .. "&form_token=" .. tokens[n]
  return wrk.format(nil, nil, nil, body)
end

function done(summary, latency, requests)
  local most, any_exhausted = 0, false
  for _, thread in ipairs(threads) do
    most = math.max(most, thread:get("sent"))
    any_exhausted = any_exhausted or thread:get("exhausted")
  end
  local used = math.min(start + most * #threads, #tokens)
  local f = assert(io.open(used_path, "w"))
  f:write(used .. "\n")
  f:close()
  io.write(string.format("practice tokens used: %d of %d\n", used, #tokens))
  if any_exhausted then
    io.write("practice tokens exhausted: the run reused tokens; generate more\n")
  end
end
