// The change log of a bucket, in Lua: how the writing scripts append to it, and the two
// scripts a server reads it with (see change-log.ts for what a reader makes of the replies).
import type { Cluster, Result } from "ioredis";

/**
 * A Lua function every writing script defines and calls once per changed entry, in the same
 * script as the change (one slot, atomic): the bucket's `seq` goes up by one, a new
 * sequence starts a new `epoch` (the server's time: the usage hash was new or deleted), and
 * the record `{s: seq, k: kind, i: id20}` is appended, the stream capped near `maxlen`.
 */
export const LOG_FUNCTION = `
local function log(usage, stream, maxlen, kind, id)
  local seq = redis.call('HINCRBY', usage, 'seq', 1)
  if seq == 1 then redis.call('HSET', usage, 'epoch', table.concat(redis.call('TIME'), '.')) end
  redis.call('XADD', stream, 'MAXLEN', '~', maxlen, '*', 's', seq, 'k', kind, 'i', id)
end
`;

// Where a reader starts: the log's position and the bucket's ids, read at one instant.
// KEYS: ids usage log. Returns {seq, epoch, last record id, ids...}.
const MARK = `
local state = redis.call('HMGET', KEYS[2], 'seq', 'epoch')
local last = redis.call('XREVRANGE', KEYS[3], '+', '-', 'COUNT', 1)
local reply = redis.call('ZRANGE', KEYS[1], 0, -1)
table.insert(reply, 1, last[1] and last[1][1] or '0-0')
table.insert(reply, 1, state[2] or '')
table.insert(reply, 1, state[1] or '0')
return reply
`;

// The records after a position, with the log's state now (to tell a gap or a reset).
// KEYS: usage log. ARGV: the last record id seen, most records. Returns {seq, epoch, last id, records}.
const TAIL = `
local state = redis.call('HMGET', KEYS[1], 'seq', 'epoch')
local last = redis.call('XREVRANGE', KEYS[2], '+', '-', 'COUNT', 1)
local records = redis.call('XRANGE', KEYS[2], '(' .. ARGV[1], '+', 'COUNT', ARGV[2])
return {state[1] or '0', state[2] or '', last[1] and last[1][1] or '0-0', records}
`;

/** One stream record as Redis returns it: its id and its field/value list. */
export type RawRecord = [string, string[]];

declare module "ioredis" {
  interface RedisCommander<Context> {
    reflexLogMark(ids: string, usage: string, log: string): Result<string[], Context>;
    reflexLogTail(
      usage: string,
      log: string,
      after: string,
      count: number,
    ): Result<[string, string, string, RawRecord[]], Context>;
  }
}

/** Registers the log readers on a client (`client.reflexLogMark(...)`, `client.reflexLogTail(...)`). */
export function defineLogScripts(client: Cluster): void {
  client.defineCommand("reflexLogMark", { numberOfKeys: 3, lua: MARK });
  client.defineCommand("reflexLogTail", { numberOfKeys: 2, lua: TAIL });
}
