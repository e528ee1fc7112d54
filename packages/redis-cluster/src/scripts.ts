// The Lua scripts: each runs on one bucket's slot, atomically (what a MULTI gives, plus the
// reads a write needs: whether the entry existed, its old size).
import type { Cluster, Result } from "ioredis";
import { defineLogScripts, LOG_FUNCTION } from "./log-scripts.ts";
import { replicaGateLua } from "./replica-gate.ts";

/** The error a guarded write (touch) gets when the entry changed since it was read. */
export const CHANGED_REPLY = "CHANGED";

// KEYS: entry ids exp sizes usage log. ARGV: value id20 pxat-ms (0: none) expires-s replica gate (see
// replica-gate.ts) log-length [sha1 of the value the write replaces: refused with CHANGED when it is another].
// Returns {existed, entries delta, bytes delta, unlisted, epoch, master only}: unlisted 1 until a writer
// marked the bucket's usage hash `listed` (MARK_LISTED, after its add to the tenant set was
// confirmed): a new bucket, one a tenant deletion emptied (the tenant may have left the set),
// or one whose writer failed between its write and that add.
const PUT = `${LOG_FUNCTION}${replicaGateLua(5, "write")}if ARGV[7] and redis.sha1hex(redis.call('GET', KEYS[1]) or '') ~= ARGV[7] then
  return redis.error_reply('${CHANGED_REPLY} the entry changed since it was read')
end
local existed = redis.call('EXISTS', KEYS[1])
local old = redis.call('HGET', KEYS[4], ARGV[2])
if ARGV[3] ~= '0' then
  redis.call('SET', KEYS[1], ARGV[1], 'PXAT', ARGV[3])
  redis.call('ZADD', KEYS[3], ARGV[4], ARGV[2])
else
  redis.call('SET', KEYS[1], ARGV[1])
  redis.call('ZREM', KEYS[3], ARGV[2])
end
local size = string.len(ARGV[1])
local entries, bytes = 1, size
if old then entries, bytes = 0, size - tonumber(old) end
-- An overwrite of the same size changes nothing but the value: no index write to log or replicate.
if not old then redis.call('ZADD', KEYS[2], 0, ARGV[2]) end
if bytes ~= 0 then redis.call('HSET', KEYS[4], ARGV[2], size) end
if entries ~= 0 then redis.call('HINCRBY', KEYS[5], 'entries', entries) end
if bytes ~= 0 then redis.call('HINCRBY', KEYS[5], 'bytes', bytes) end
log(KEYS[5], KEYS[6], ARGV[6], 'p', ARGV[2])
local state = redis.call('HMGET', KEYS[5], 'listed', 'epoch')
return {existed, entries, bytes, state[1] and 0 or 1, state[2], master_only}
`;

/** The put script's reply, by name. */
export interface PutReply {
  /** True when the key held an entry before (the write replaced it). */
  readonly existed: boolean;
  /** Change of the bucket's entry count (1 or 0) and byte count. */
  readonly entriesDelta: number;
  readonly bytesDelta: number;
  /** True until a writer marked the bucket \`listed\` (see PUT): the writer adds its tenant to the set again. */
  readonly unlisted: boolean;
  /** The bucket usage hash's epoch, for MARK_LISTED. */
  readonly epoch: string;
}

/** Names the put script's positional reply. */
export function putReplyOf(reply: readonly [number, number, number, number, string]): PutReply {
  const [existed, entriesDelta, bytesDelta, unlisted, epoch] = reply;
  return { existed: existed === 1, entriesDelta, bytesDelta, unlisted: unlisted === 1, epoch };
}

/** The delete script's reply, by name. */
export interface DeleteReply {
  /** True when the entry's key was there to remove. */
  readonly removed: boolean;
  readonly entriesDelta: number;
  readonly bytesDelta: number;
}

/** Names the delete script's positional reply. */
export function deleteReplyOf(reply: readonly [number, number, number]): DeleteReply {
  const [removed, entriesDelta, bytesDelta] = reply;
  return { removed: removed === 1, entriesDelta, bytesDelta };
}

// Marks a bucket's usage hash \`listed\` (its tenant is in the tenant set), only while the hash
// is the one of \`epoch\`: a deletion emptied and dropped it meanwhile makes this a no-op.
// KEYS: usage. ARGV: epoch. Returns 1 when marked.
const MARK_LISTED = `
if redis.call('HGET', KEYS[1], 'epoch') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'listed', '1')
return 1
`;

// KEYS: entry ids exp sizes usage log. ARGV: id20 replica-gate log-length.
// Returns {removed, entries delta, bytes delta, master only}.
const DELETE = `${LOG_FUNCTION}${replicaGateLua(2, "delete")}local removed = redis.call('DEL', KEYS[1])
local old = redis.call('HGET', KEYS[4], ARGV[1])
if removed == 1 or old then log(KEYS[5], KEYS[6], ARGV[3], 'd', ARGV[1]) end
if not old then return {removed, 0, 0, master_only} end
redis.call('HDEL', KEYS[4], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[3], ARGV[1])
redis.call('HINCRBY', KEYS[5], 'entries', -1)
redis.call('HINCRBY', KEYS[5], 'bytes', -tonumber(old))
return {removed, -1, -tonumber(old), master_only}
`;

// Removes from the index the bucket's entries whose expiry has passed by the server's clock
// (Redis has expired their keys by then: PXAT = expires_at * 1000), logging each as expired.
// Shared by SWEEP and LIST. KEYS: ids exp sizes usage log. ARGV[1]: entry key prefix, ARGV[2]: log length.
const SWEEP_BODY = `${LOG_FUNCTION}
local now = redis.call('TIME')[1]
local due = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now, 'LIMIT', 0, 10000)
local swept, freed = 0, 0
for _, id in ipairs(due) do
  redis.call('ZREM', KEYS[2], id)
  if redis.call('EXISTS', ARGV[1] .. id) == 0 then
    local old = redis.call('HGET', KEYS[3], id)
    redis.call('ZREM', KEYS[1], id)
    if old then
      redis.call('HDEL', KEYS[3], id)
      redis.call('HINCRBY', KEYS[4], 'entries', -1)
      redis.call('HINCRBY', KEYS[4], 'bytes', -tonumber(old))
      swept, freed = swept + 1, freed + tonumber(old)
    end
    log(KEYS[4], KEYS[5], ARGV[2], 'x', id)
  end
end
`;

// Returns {swept, bytes freed, entries, bytes}: the bucket's usage after the sweep.
const SWEEP = `${SWEEP_BODY}
local usage = redis.call('HMGET', KEYS[4], 'entries', 'bytes')
return {swept, freed, tonumber(usage[1] or 0), tonumber(usage[2] or 0)}
`;

// ARGV[3]: exclusive lower bound ('-' or '(' .. id20), ARGV[4]: limit (-1: all). Returns {swept, freed, ids...}.
const LIST = `${SWEEP_BODY}
local ids = redis.call('ZRANGEBYLEX', KEYS[1], ARGV[3], '+', 'LIMIT', 0, ARGV[4])
table.insert(ids, 1, freed)
table.insert(ids, 1, swept)
return ids
`;

// Removes up to ARGV[2] entries of a bucket (logging each) and, once it is empty, its index
// keys and change log: a server tailing it sees a new epoch and rebuilds the tenant.
// KEYS: ids exp sizes usage log. ARGV: entry key prefix, batch, replica gate, log length.
// Returns {entries removed, bytes freed, entries left, master only}.
const DROP_BUCKET = `${LOG_FUNCTION}${replicaGateLua(3, "deletion")}local ids = redis.call('ZRANGE', KEYS[1], 0, tonumber(ARGV[2]) - 1)
local freed = 0
for _, id in ipairs(ids) do
  redis.call('DEL', ARGV[1] .. id)
  local old = redis.call('HGET', KEYS[3], id)
  if old then freed = freed + tonumber(old) end
  redis.call('HDEL', KEYS[3], id)
  redis.call('ZREM', KEYS[1], id)
  redis.call('ZREM', KEYS[2], id)
  log(KEYS[4], KEYS[5], ARGV[4], 'd', id)
end
local left = redis.call('ZCARD', KEYS[1])
if left == 0 then redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]) end
return {#ids, freed, left, master_only}
`;

// KEYS: tenants. ARGV: t20 replica-gate. Returns {1 when the tenant was in the set, master only}.
const UNTENANT = `${replicaGateLua(2, "tenant removal")}
return {redis.call('ZREM', KEYS[1], ARGV[1]), master_only}
`;

// KEYS: tenants. ARGV: t20 replica-gate. Returns {1 when added, master only}.
const TENANT = `${replicaGateLua(2, "tenant")}
return {redis.call('ZADD', KEYS[1], 0, ARGV[1]), master_only}
`;

declare module "ioredis" {
  interface RedisCommander<Context> {
    reflexPut(
      entry: string,
      ids: string,
      exp: string,
      sizes: string,
      usage: string,
      log: string,
      value: Buffer,
      id: string,
      pxat: string,
      expires: string,
      replica: string,
      logLength: number,
      expected?: string,
    ): Result<[number, number, number, number, string, number], Context>;
    reflexMarkListed(usage: string, epoch: string): Result<number, Context>;
    reflexDelete(
      entry: string,
      ids: string,
      exp: string,
      sizes: string,
      usage: string,
      log: string,
      id: string,
      replica: string,
      logLength: number,
    ): Result<[number, number, number, number], Context>;
    reflexSweep(
      ids: string,
      exp: string,
      sizes: string,
      usage: string,
      log: string,
      prefix: string,
      logLength: number,
    ): Result<[number, number, number, number], Context>;
    reflexList(
      ids: string,
      exp: string,
      sizes: string,
      usage: string,
      log: string,
      prefix: string,
      logLength: number,
      after: string,
      limit: number,
    ): Result<(number | string)[], Context>;
    reflexTenant(tenants: string, tenant: string, replica: string): Result<[number, number], Context>;
    reflexDropBucket(
      ids: string,
      exp: string,
      sizes: string,
      usage: string,
      log: string,
      prefix: string,
      batch: number,
      replica: string,
      logLength: number,
    ): Result<[number, number, number, number], Context>;
    reflexUntenant(tenants: string, tenant: string, replica: string): Result<[number, number], Context>;
  }
}

/** Registers the scripts on a client (`client.reflexPut(...)`, ...). */
export function defineScripts(client: Cluster): void {
  client.defineCommand("reflexPut", { numberOfKeys: 6, lua: PUT });
  client.defineCommand("reflexDelete", { numberOfKeys: 6, lua: DELETE });
  client.defineCommand("reflexSweep", { numberOfKeys: 5, lua: SWEEP });
  client.defineCommand("reflexList", { numberOfKeys: 5, lua: LIST });
  client.defineCommand("reflexTenant", { numberOfKeys: 1, lua: TENANT });
  client.defineCommand("reflexMarkListed", { numberOfKeys: 1, lua: MARK_LISTED });
  client.defineCommand("reflexDropBucket", { numberOfKeys: 5, lua: DROP_BUCKET });
  client.defineCommand("reflexUntenant", { numberOfKeys: 1, lua: UNTENANT });
  defineLogScripts(client);
}
