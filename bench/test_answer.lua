-- wrk script for bench/run: a test's autosave, as static/js/test-mode.js sends it: POST
-- /tests/<id>/answer/ with "number" and the question type's fields (choice, choices + clear,
-- value or order), Accept: application/json and the CSRF header, from one learner's session.
--
-- Environment, all set by bench/run:
--   BENCH_TEST_BODIES   one form body per line, one line per question (read from the pages)
--   BENCH_TEST_COOKIE, BENCH_TEST_CSRF, BENCH_TEST_ORIGIN, BENCH_TEST_REFERER

local function need(name)
  local value = os.getenv(name)
  if value == nil or value == "" then
    error(name .. " is not set (bench/test_answer.lua is run by bench/run)")
  end
  return value
end

local bodies = {}
for line in io.lines(need("BENCH_TEST_BODIES")) do
  if line ~= "" then bodies[#bodies + 1] = line end
end

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Accept"] = "application/json"
wrk.headers["Cookie"] = need("BENCH_TEST_COOKIE")
wrk.headers["X-CSRFToken"] = need("BENCH_TEST_CSRF")
wrk.headers["Origin"] = need("BENCH_TEST_ORIGIN")
wrk.headers["Referer"] = need("BENCH_TEST_REFERER")

sent = 0
function request()
  sent = sent + 1
  return wrk.format(nil, nil, nil, bodies[sent % #bodies + 1])
end
