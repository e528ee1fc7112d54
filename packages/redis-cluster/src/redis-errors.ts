import { StoreError } from "@reflex/core";
import { DEGRADED_REPLY, REPLICA_BACK_REPLY } from "./replica-gate.ts";
import { CHANGED_REPLY } from "./scripts.ts";

// Replies that Redis sends before it runs a command: nothing was applied.
const REFUSED_BEFORE_RUNNING =
  /^(CLUSTERDOWN|MOVED|ASK|TRYAGAIN|READONLY|MASTERDOWN|LOADING|NOSCRIPT|BUSY|NOREPLICAS|REPLICABACK)\b/;
const OUT_OF_MEMORY = /^OOM\b/;

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** True for an error Redis itself replied with (as opposed to a lost connection or a timeout). */
function isReply(error: unknown): boolean {
  return error instanceof Error && error.name === "ReplyError";
}

/**
 * A failed read as a store error: always `storage_unavailable` (the cluster could not
 * answer), naming what was read.
 */
export function readError(what: string, error: unknown): StoreError {
  return new StoreError("storage_unavailable", `redis cluster: ${what} failed: ${messageOf(error)}`, { cause: error });
}

/**
 * A failed write as a store error. Redis refusing before running the script (the shard
 * has no online replica, the cluster is down, memory is full) means nothing was applied:
 * `degraded` or `storage_unavailable`. Anything else (a lost connection, a timeout, too
 * many redirections while a failover runs) may have happened after the script ran:
 * `outcome_unknown`, and a retry of the same write is safe.
 */
export function writeError(what: string, error: unknown): StoreError {
  const message = messageOf(error);
  if (isDegradedReply(error)) {
    return new StoreError("degraded", `redis cluster: ${what} refused: ${message.slice(DEGRADED_REPLY.length + 1)}`, {
      cause: error,
    });
  }
  if (isReply(error) && OUT_OF_MEMORY.test(message)) {
    return new StoreError("storage_unavailable", `redis cluster: ${what} refused, the shard is full: ${message}`, {
      cause: error,
      reason: "out_of_memory",
    });
  }
  if (isReply(error) && REFUSED_BEFORE_RUNNING.test(message)) {
    return new StoreError("storage_unavailable", `redis cluster: ${what} refused: ${message}`, { cause: error });
  }
  return new StoreError(
    "outcome_unknown",
    `redis cluster: ${what}: no reply (${message}); it may or may not have been applied, and retrying it is safe`,
    { cause: error },
  );
}

/** The `outcome_unknown` of a write the master applied but no replica confirmed in time. */
export function unconfirmedError(what: string, waitMs: number): StoreError {
  return new StoreError(
    "outcome_unknown",
    `redis cluster: ${what} was applied on the master but no replica confirmed it within ${waitMs} ms; ` +
      "it may be lost if that master fails now, and retrying it is safe",
  );
}

/**
 * The `outcome_unknown` of a write that was applied (and confirmed) but whose tenant-set add
 * after it failed (`cause`): whatever the add's failure says, the entry is stored; until a
 * later write into its bucket adds the tenant, listings may miss it. Retrying is safe.
 */
export function unlistedError(what: string, tenantId: bigint, cause: unknown): StoreError {
  return new StoreError(
    "outcome_unknown",
    `redis cluster: ${what} was applied, but adding tenant ${tenantId} to the tenant set after it failed ` +
      `(${messageOf(cause)}); listings may miss it until it is written again, and retrying it is safe`,
    { cause },
  );
}

/** True for the script's refusal of a replicated write on a shard with no online replica (nothing written). */
export function isDegradedReply(error: unknown): boolean {
  return isReply(error) && messageOf(error).startsWith(DEGRADED_REPLY);
}

/** True for the script's refusal of a write sent without a WAIT to a shard that has an online replica again (nothing written). */
export function isReplicaBackReply(error: unknown): boolean {
  return isReply(error) && messageOf(error).startsWith(REPLICA_BACK_REPLY);
}

/** True when a guarded write was refused because the entry changed since it was read (nothing written). */
export function isChangedReply(error: unknown): boolean {
  const cause = (error as { cause?: unknown } | null)?.cause ?? error;
  return isReply(cause) && messageOf(cause).startsWith(CHANGED_REPLY);
}
