-- wrk script: every request is a unique Moda event (~800 bytes; BENCH_PADDING sets the pad), signed exactly as Moda does
-- (HMAC-SHA256 over "{timestamp}.{body}", header "v1=<hex>") via LuaJIT FFI to OpenSSL's
-- libcrypto. Requests are pre-signed in init(), before wrk starts its clock, into a pool of
-- BENCH_POOL requests per thread, so the load generator spends no CPU on signing during the
-- run. If a thread exhausts its pool it wraps around (repeats become duplicates); done()
-- reports how many requests wrapped so a run that did is not mistaken for a clean one.
-- The same script drives the relay and the nginx ceiling.
local ffi = require("ffi")
ffi.cdef [[
unsigned char *HMAC(const void *evp_md, const void *key, int key_len,
                    const unsigned char *d, size_t n, unsigned char *md, unsigned int *md_len);
const void *EVP_sha256(void);
]]
local crypto = ffi.load("crypto")
local secret = os.getenv("BENCH_SECRET") or "whsec_bench_secret"
local path = os.getenv("BENCH_PATH") or "/webhooks/moda"
local digest = ffi.new("unsigned char[32]")
local digest_len = ffi.new("unsigned int[1]")
local hex = {}
for i = 0, 255 do hex[i] = string.format("%02x", i) end
local padding = string.rep("p", tonumber(os.getenv("BENCH_PADDING") or "420"))
local pool_size = tonumber(os.getenv("BENCH_POOL") or "250000")
local pool = {}
local counter = 0
local threads = {}

function setup(thread)
  thread:set("prefix", string.format("%x%x", os.time(), math.random(0, 0x7fffffff)))
  table.insert(threads, thread)
end

local function sign(ts, body)
  local message = ts .. "." .. body
  crypto.HMAC(crypto.EVP_sha256(), secret, #secret, message, #message, digest, digest_len)
  local out = {}
  for i = 0, 31 do out[i + 1] = hex[digest[i]] end
  return "v1=" .. table.concat(out)
end

local function make(n)
  local id = "evt_" .. prefix .. "_" .. n
  local body = '{"id":"' .. id .. '","type":"task.succeeded","created":"2026-04-15T12:01:00+00:00",'
    .. '"api_version":"2026-05-01","data":{"id":"task_' .. id .. '","kind":"design","status":"succeeded",'
    .. '"result":{"canvas_id":"cvs_01HT9WK8N3M2J4A5Z6P7Q8R9TV","canvas_url":"https://moda.app/canvas/cvs_01HT9WK8N3M2J4A5Z6P7Q8R9TV"},'
    .. '"prompt":"' .. padding .. '"}}'
  local ts = tostring(os.time())
  return wrk.format("POST", path, {
    ["Content-Type"] = "application/json",
    ["X-Webhook-Timestamp"] = ts,
    ["X-Webhook-Signature"] = sign(ts, body),
  }, body)
end

function init(args)
  for n = 1, pool_size do pool[n] = make(n) end
  wrapped = 0
end

function request()
  counter = counter + 1
  if counter > pool_size then
    counter = 1
    wrapped = wrapped + pool_size
  end
  return pool[counter]
end

function done(summary, latency, requests)
  local repeats = 0
  for _, thread in ipairs(threads) do repeats = repeats + (thread:get("wrapped") or 0) end
  local seconds = summary.duration / 1e6
  local bad = summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
  io.write(string.format("RESULT requests=%d seconds=%.2f rps=%.0f p50_ms=%.3f p99_ms=%.3f max_ms=%.3f errors=%d body_bytes=%d repeats=%d\n",
    summary.requests, seconds, summary.requests / seconds, latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000, bad, #padding + 380, repeats))
end
