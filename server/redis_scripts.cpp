#include "server/redis_scripts.hpp"

namespace rt::server::redis_scripts {

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

const char* const open_stream = R"lua(
local le = redis.call('GET', 'rt:log:epoch')
if le ~= ARGV[1] then return {'reset', le or ''} end
local meta, hist = 'rt:s:' .. ARGV[2], 'rt:h:' .. ARGV[2]
local unregistered = false
if ARGV[3] ~= '' then
  if redis.call('HSETNX', 'rt:keysets', ARGV[3], '1') == 1 then redis.call('INCR', 'rt:keysets:ver') end
else
  -- A set or pattern stream, registered by its key until now + ttl (refreshed by touch).
  local now = tonumber(redis.call('TIME')[1])
  if redis.call('ZREMRANGEBYSCORE', 'rt:patterns', '-inf', now) > 0 then redis.call('INCR', 'rt:keysets:ver') end
  if redis.call('ZADD', 'rt:patterns', now + tonumber(ARGV[5]), ARGV[2]) == 1 then
    redis.call('INCR', 'rt:keysets:ver')
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
if kv ~= ARGV[5] then return {'registry', kv, redis.call('HKEYS', 'rt:keysets'), redis.call('ZRANGE', 'rt:patterns', 0, -1)} end
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

const char* const touch = R"lua(
local now = tonumber(redis.call('TIME')[1])
if redis.call('ZREMRANGEBYSCORE', 'rt:patterns', '-inf', now) > 0 then redis.call('INCR', 'rt:keysets:ver') end
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

}  // namespace rt::server::redis_scripts
