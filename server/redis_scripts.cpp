#include "server/redis_scripts.hpp"

namespace rt::server::redis_scripts {

// Shared by the scripts that change the registry (pasted in front of them). Each change takes the
// next registry version and is logged under it in rt:reglog (the last ~10,000 changes: a node
// further behind reads the whole registry), so a commit computed with an older registry gets
// only what changed since. pcall: a log that cannot take the entry (its IDs ran ahead of the
// version, after a partial loss) is left with a gap, which the commit sees and answers in full.
#define RT_REGISTRY_LUA                                                                         \
    "local function registry_change(kind, text)\n"                                             \
    "  local v = redis.call('INCR', 'rt:keysets:ver')\n"                                       \
    "  redis.pcall('XADD', 'rt:reglog', 'MAXLEN', '~', '10000', v .. '-1', 'k', kind, 'f', text)\n" \
    "end\n"                                                                                     \
    "local function prune_patterns(now)\n"                                                     \
    "  for _, key in ipairs(redis.call('ZRANGEBYSCORE', 'rt:patterns', '-inf', now)) do\n"      \
    "    redis.call('ZREM', 'rt:patterns', key)\n"                                             \
    "    registry_change('-', key)\n"                                                          \
    "  end\n"                                                                                   \
    "end\n"

const char* const hello = R"lua(
redis.call('SETNX', 'rt:log:epoch', ARGV[1])
return {redis.call('GET', 'rt:log:epoch'), redis.call('GET', 'rt:g') or '0',
        redis.call('GET', 'rt:keysets:ver') or '0', redis.call('HKEYS', 'rt:keysets'),
        redis.call('ZRANGE', 'rt:patterns', 0, -1)}
)lua";

const char* const load = R"lua(
local out = {redis.call('GET', 'rt:g') or '0'}
for i = 1, #ARGV do
  out[#out + 1] = redis.call('HGETALL', 'rt:rows:' .. ARGV[i])
  out[#out + 1] = redis.call('HGETALL', 'rt:ver:' .. ARGV[i])
end
return out
)lua";

const char* const open_stream = RT_REGISTRY_LUA R"lua(
local le = redis.call('GET', 'rt:log:epoch')
if le ~= ARGV[1] then return {'reset', le or ''} end
local meta, hist = 'rt:s:' .. ARGV[2], 'rt:h:' .. ARGV[2]
local unregistered = false
if ARGV[3] ~= '' then
  if redis.call('HSETNX', 'rt:keysets', ARGV[3], '1') == 1 then registry_change('k', ARGV[3]) end
else
  -- A set or pattern stream, registered by its key until now + ttl (refreshed by touch).
  local now = tonumber(redis.call('TIME')[1])
  prune_patterns(now)
  if redis.call('ZADD', 'rt:patterns', now + tonumber(ARGV[5]), ARGV[2]) == 1 then
    registry_change('+', ARGV[2])
    unregistered = true
  end
end
local epoch = redis.call('HGET', meta, 'epoch')
-- A pattern stream that was not registered got no events meanwhile: its history restarts.
if not epoch or unregistered then
  redis.call('DEL', hist)
  redis.call('HSET', meta, 'epoch', ARGV[4], 'top', '0')
  epoch = ARGV[4]
end
redis.call('EXPIRE', meta, ARGV[5])
redis.call('EXPIRE', hist, ARGV[5])
return {'ok', epoch, redis.call('HGET', meta, 'top'), redis.call('GET', 'rt:g') or '0', redis.call('XRANGE', hist, '-', '+')}
)lua";

const char* const commit = R"lua(
local le = redis.call('GET', 'rt:log:epoch')
if le ~= ARGV[1] then return {'reset', le or ''} end
local entity, id = ARGV[2], ARGV[3]
local ver = redis.call('HGET', 'rt:ver:' .. entity, id) or '0'
if ver ~= ARGV[4] then return {'conflict', redis.call('GET', 'rt:g') or '0'} end
local kv = redis.call('GET', 'rt:keysets:ver') or '0'
if kv ~= ARGV[5] then
  -- The changes since the caller's version when the log holds all of them, else the whole registry.
  local from, to = tonumber(ARGV[5]), tonumber(kv)
  if from and from < to then
    local log = redis.call('XRANGE', 'rt:reglog', (from + 1) .. '-1', '+')
    if #log == to - from and log[1][1] == (from + 1) .. '-1' then return {'registry', kv, 'delta', log} end
  end
  return {'registry', kv, 'full', redis.call('HKEYS', 'rt:keysets'), redis.call('ZRANGE', 'rt:patterns', 0, -1)}
end
local g = redis.call('INCR', 'rt:g')
if ARGV[6] == '' then
  redis.call('HDEL', 'rt:rows:' .. entity, id)
  redis.call('HDEL', 'rt:ver:' .. entity, id)
else
  redis.call('HSET', 'rt:rows:' .. entity, id, ARGV[6])
  redis.call('HSET', 'rt:ver:' .. entity, id, g)
end
local assigned = {}
for i = 13, #ARGV, 2 do
  local meta = 'rt:s:' .. ARGV[i]
  local epoch = redis.call('HGET', meta, 'epoch')
  if epoch then
    local hist = 'rt:h:' .. ARGV[i]
    local seq = redis.call('HINCRBY', meta, 'top', 1)
    local data = ARGV[7]
    if ARGV[i + 1] ~= 'delete' then data = ARGV[6] end
    redis.call('XADD', hist, 'MAXLEN', ARGV[10], seq .. '-1', 'o', ARGV[i + 1], 'd', data, 't', ARGV[8])
    redis.call('EXPIRE', meta, ARGV[12])
    redis.call('EXPIRE', hist, ARGV[12])
    assigned[#assigned + 1] = epoch .. ':' .. seq
  else
    assigned[#assigned + 1] = '-'
  end
end
local msg = g .. '|' .. le .. '|' .. table.concat(assigned, ',') .. '|' .. ARGV[9]
redis.call('XADD', 'rt:log', 'MAXLEN', '~', ARGV[11], g .. '-1', 'p', msg)
redis.call('PUBLISH', 'rt:changes', msg)
return {'ok', g}
)lua";

const char* const touch = RT_REGISTRY_LUA R"lua(
local now = tonumber(redis.call('TIME')[1])
prune_patterns(now)
local missing = {}
for i = 2, #ARGV, 2 do
  local key = ARGV[i]
  local gone = redis.call('EXPIRE', 'rt:s:' .. key, ARGV[1]) == 0
  if not gone and ARGV[i + 1] == 'p' then gone = not redis.call('ZSCORE', 'rt:patterns', key) end
  if gone then missing[#missing + 1] = key
  else
    redis.call('EXPIRE', 'rt:h:' .. key, ARGV[1])
    if ARGV[i + 1] == 'p' then redis.call('ZADD', 'rt:patterns', 'XX', now + tonumber(ARGV[1]), key) end
  end
end
return missing
)lua";

const char* const presence_set = R"lua(
local users = 'rt:p:' .. ARGV[2]
if ARGV[3] == '' then
  redis.call('HDEL', users, ARGV[1])
  redis.call('SREM', 'rt:pn:' .. ARGV[1], ARGV[2])
else
  redis.call('HSET', users, ARGV[1], ARGV[3])
  redis.call('SADD', 'rt:pn:' .. ARGV[1], ARGV[2])
end
redis.call('SADD', 'rt:nodes', ARGV[1])
redis.call('SET', 'rt:node:' .. ARGV[1], '1', 'PX', ARGV[4])
redis.call('PUBLISH', 'rt:presence', ARGV[2])
return 1
)lua";

const char* const heartbeat = R"lua(
local was = redis.call('EXISTS', 'rt:node:' .. ARGV[1])
redis.call('SET', 'rt:node:' .. ARGV[1], '1', 'PX', ARGV[2])
redis.call('SADD', 'rt:nodes', ARGV[1])
local reaped = 0
for _, n in ipairs(redis.call('SMEMBERS', 'rt:nodes')) do
  if redis.call('EXISTS', 'rt:node:' .. n) == 0 then
    for _, r in ipairs(redis.call('SMEMBERS', 'rt:pn:' .. n)) do
      redis.call('HDEL', 'rt:p:' .. r, n)
      redis.call('PUBLISH', 'rt:presence', r)
    end
    redis.call('DEL', 'rt:pn:' .. n)
    redis.call('SREM', 'rt:nodes', n)
    reaped = reaped + 1
  end
end
return {was, reaped}
)lua";

#undef RT_REGISTRY_LUA

}  // namespace rt::server::redis_scripts
