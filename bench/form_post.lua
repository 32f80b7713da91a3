-- wrk script for bench/run: the cheapest form POST the site can answer. The practice learner's
-- session cookie and CSRF header go through the whole middleware stack (session, CSRF, auth,
-- security headers, CSP ...) to /bench/bare/, which reads nothing and writes nothing. Its
-- ratio is the floor under every form POST, the practice Check's included.
--
-- Environment, set by bench/run: BENCH_PRACTICE_COOKIE, BENCH_PRACTICE_CSRF,
-- BENCH_PRACTICE_ORIGIN and BENCH_PRACTICE_REFERER (see bench/practice_post.lua).

local function need(name)
  local value = os.getenv(name)
  if value == nil or value == "" then
    error(name .. " is not set (bench/form_post.lua is run by bench/run)")
  end
  return value
end

wrk.method = "POST"
wrk.body = "choice=A"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["HX-Request"] = "true"
wrk.headers["Cookie"] = need("BENCH_PRACTICE_COOKIE")
wrk.headers["X-CSRFToken"] = need("BENCH_PRACTICE_CSRF")
wrk.headers["Origin"] = need("BENCH_PRACTICE_ORIGIN")
wrk.headers["Referer"] = need("BENCH_PRACTICE_REFERER")
