"""The Lua steps of shared mode: each runs atomically in Redis (no other command in between).

Queue keys: KEYS are the stream, a job's meta hash (tenant, service, check, released), the
set of ids queued or taken, and the tenants' counts of users' jobs and of checks; a
service's line is `<line prefix><service id>` (a list of job ids, oldest first).
"""

from __future__ import annotations

# KEYS: ids, meta, users, checks. ARGV: job, tenant, service, check (0/1), limit (0: none)
RESERVE = """
if redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 1 then return -1 end
local limit = tonumber(ARGV[5])
if limit > 0 then
  local n = tonumber(redis.call('HGET', KEYS[3], ARGV[2]) or '0')
  if ARGV[4] == '1' then n = n + tonumber(redis.call('HGET', KEYS[4], ARGV[2]) or '0') end
  if n >= limit then return -2 end
end
redis.call('SADD', KEYS[1], ARGV[1])
redis.call('HSET', KEYS[2], 'tenant', ARGV[2], 'service', ARGV[3], 'check', ARGV[4])
if ARGV[4] == '1' then redis.call('HINCRBY', KEYS[4], ARGV[2], 1) else redis.call('HINCRBY', KEYS[3], ARGV[2], 1) end
return 1
"""

# KEYS: meta, stream. ARGV: job, line prefix
SUBMIT = """
local service = redis.call('HGET', KEYS[1], 'service')
if not service then return -1 end
if redis.call('HSETNX', KEYS[1], 'lined', '1') == 0 then return -2 end
local line = ARGV[2] .. service
redis.call('RPUSH', line, ARGV[1])
if redis.call('LINDEX', line, 0) == ARGV[1] then
  redis.call('HSET', KEYS[1], 'released', '1')
  redis.call('XADD', KEYS[2], '*', 'job', ARGV[1])
end
return 1
"""

# the job's meta, id and count dropped (shared by ACK and WITHDRAW): KEYS as ACK's
local_forget = """
local function forget(meta, ids, users, checks, job)
  local tenant = redis.call('HGET', meta, 'tenant')
  if tenant then
    local counter = users
    if redis.call('HGET', meta, 'check') == '1' then counter = checks end
    if redis.call('HINCRBY', counter, tenant, -1) <= 0 then redis.call('HDEL', counter, tenant) end
  end
  redis.call('SREM', ids, job)
  redis.call('DEL', meta)
end
"""

# KEYS: stream, meta, ids, users, checks. ARGV: job, group, entry ('' unknown), line prefix
ACK = (
    local_forget
    + """
if ARGV[3] ~= '' then
  redis.call('XACK', KEYS[1], ARGV[2], ARGV[3])
  redis.call('XDEL', KEYS[1], ARGV[3])
end
local service = redis.call('HGET', KEYS[2], 'service')
if not service then return 0 end
forget(KEYS[2], KEYS[3], KEYS[4], KEYS[5], ARGV[1])
local line = ARGV[4] .. service
local was_head = redis.call('LINDEX', line, 0) == ARGV[1]
redis.call('LREM', line, 1, ARGV[1])
if was_head then
  local head = redis.call('LINDEX', line, 0)
  if head then
    local meta = string.sub(KEYS[2], 1, string.len(KEYS[2]) - string.len(ARGV[1])) .. head
    if redis.call('HSETNX', meta, 'released', '1') == 1 then
      redis.call('XADD', KEYS[1], '*', 'job', head)
    end
  end
end
return 1
"""
)

# KEYS: stream, meta, ids, users, checks. ARGV: job, line prefix
WITHDRAW = (
    local_forget
    + """
local service = redis.call('HGET', KEYS[2], 'service')
if not service then return 1 end
if redis.call('HGET', KEYS[2], 'released') == '1' then return 0 end
forget(KEYS[2], KEYS[3], KEYS[4], KEYS[5], ARGV[1])
redis.call('LREM', ARGV[2] .. service, 1, ARGV[1])
return 1
"""
)

# KEYS: stream. ARGV: group, consumer, entries...: the entries not (any more) this consumer's
RENEW = """
local lost = {}
for i = 3, #ARGV do
  local p = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[i], ARGV[i], 1)
  if p[1] and p[1][2] == ARGV[2] then
    redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[i], 'JUSTID')
  else
    table.insert(lost, ARGV[i])
  end
end
return lost
"""

# a lock: KEYS: lock, fencing counter. ARGV: lease ms. The new token, or 0 if held.
LOCK = """
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
local token = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], token, 'PX', ARGV[1])
return token
"""

# KEYS: lock. ARGV: token, lease ms. 1 if still the holder's (lease started again).
RENEW_LOCK = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
"""

# KEYS: lock. ARGV: token.
UNLOCK = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
"""
