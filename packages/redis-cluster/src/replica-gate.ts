// The replica check every writing script starts with (in Lua), and the modes a writer asks
// for it in. One place, so the put, delete, tenant and deletion scripts behave alike.

/** The error a replicated write is refused with when the shard has no online replica. */
export const DEGRADED_REPLY = "DEGRADED";

/**
 * The error a write sent as to a shard without a replica (`GATE.lostAccept`, `GATE.lostRefuse`)
 * gets when the shard has an online replica again: nothing was written, and the writer sends
 * it again with a WAIT behind it.
 */
export const REPLICA_BACK_REPLY = "REPLICABACK";

/** What a writing script does about the shard's replicas (its `replica` argument). */
export const GATE = {
  /** No check: `atomic` durability. */
  none: "0",
  /** Refuse with {@link DEGRADED_REPLY} when the shard has no online replica (`whenReplicaLost: "refuse"`). */
  refuse: "1",
  /** Write either way; report whether the shard had no online replica (`whenReplicaLost: "accept"`). */
  accept: "a",
  /**
   * As `accept`, but sent without a WAIT because the writer last saw this shard without a
   * replica: refused with {@link REPLICA_BACK_REPLY} (nothing written) when it has one again.
   */
  lostAccept: "d",
  /** As `refuse`, sent without a WAIT for the same reason as `lostAccept`, and refused as it is when a replica is back. */
  lostRefuse: "r",
} as const;

/** One of {@link GATE}'s values. */
export type Gate = (typeof GATE)[keyof typeof GATE];

/**
 * The Lua lines that open a writing script: they read `INFO replication` (unless the gate
 * argument `ARGV[argIndex]` is `none`), refuse as the gate says, and set the local
 * `master_only` to 1 when the write goes ahead on a shard with no online replica. The
 * script returns `master_only` as the last element of its reply. `what` names the write in
 * the refusal ("write", "delete", ...).
 */
export function replicaGateLua(argIndex: number, what: string): string {
  const mode = `ARGV[${argIndex}]`;
  return `
local master_only = 0
if ${mode} ~= '${GATE.none}' then
  if string.find(redis.call('INFO', 'replication'), 'state=online', 1, true) then
    if ${mode} == '${GATE.lostAccept}' or ${mode} == '${GATE.lostRefuse}' then
      return redis.error_reply('${REPLICA_BACK_REPLY} the shard has an online replica again')
    end
  elseif ${mode} == '${GATE.refuse}' or ${mode} == '${GATE.lostRefuse}' then
    return redis.error_reply('${DEGRADED_REPLY} the shard has no online replica to confirm the ${what}')
  else
    master_only = 1
  end
end
`;
}
