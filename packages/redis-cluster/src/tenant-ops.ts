import { StoreError, type TenantDeletionOptions } from "@reflex/core";
import { checkId } from "@reflex/core/backend";
import type { ClusterContext } from "./context.ts";
import { bucketKeys, bucketScriptKeys, id20 } from "./layout.ts";
import { readError, unconfirmedError } from "./redis-errors.ts";
import { send } from "./shard-writes.ts";
import { ensureTenant, isReplicated } from "./write-ops.ts";

/** Entries one script removes from a bucket at a time, so no script holds its shard for long. */
const DROP_BATCH = 1000;

/**
 * Deletes a whole tenant: each of its K buckets is emptied by scripts of up to 1,000
 * entries (each atomic on its shard), then the tenant leaves the tenant set, and comes back
 * if a racing write landed in a bucket already emptied. Unlike the file backend, the buckets
 * go one after another, not all at once: a failure midway leaves the tenant listed with what
 * was not removed yet, and a retry finishes it (also once the tenant has left the set).
 * `not_found` when the tenant is not in the set and no bucket of it holds anything.
 * Resolves to the entries removed.
 */
export async function deleteTenantEntries(
  context: ClusterContext,
  tenantId: bigint,
  options: TenantDeletionOptions = {},
): Promise<number> {
  checkId(tenantId, "tenant id");
  const { namespace } = context.options;
  const t20 = id20(tenantId);
  const replicated = isReplicated(context, undefined);
  const buckets = Array.from({ length: context.buckets }, (_, bucket) => bucketKeys(namespace, tenantId, bucket));
  let total = 0;
  try {
    // Not in the set, yet written: a deletion cut short after the set removal, or a writer that
    // failed before adding it. Delete what is there rather than answer not_found.
    if (
      (await context.clients.reader.zscore(context.keys.tenants, t20)) === null &&
      !(await anyBucketWritten(context, buckets))
    ) {
      throw new StoreError("not_found", `tenant ${tenantId} not found`);
    }
    for (const keys of buckets) total += await context.clients.reader.zcard(keys.ids);
  } catch (error) {
    if (error instanceof StoreError) throw error;
    throw readError(`listing tenant ${tenantId}`, error);
  }
  let done = 0;
  for (const keys of buckets) {
    for (let left = 1; left > 0; ) {
      const what = `deletion of tenant ${tenantId}`;
      const { reply, confirmed } = await send<[number, number, number]>(context, {
        what,
        key: keys.ids,
        replicated,
        call: (p, gate) =>
          p.reflexDropBucket(...bucketScriptKeys(keys), DROP_BATCH, gate, context.options.changeLogLength),
      });
      context.changed.add(tenantId);
      if (!confirmed) throw unconfirmedError(what, context.options.replicaWaitMs);
      context.usage.add(tenantId, -reply[0], -reply[1]);
      done += reply[0];
      left = reply[2];
      options.onProgress?.({ done, total: Math.max(total, done) });
    }
  }
  const what = `removal of tenant ${tenantId} from the tenant set`;
  const key = context.keys.tenants;
  const { confirmed } = await send<[number]>(context, {
    what,
    key,
    replicated,
    call: (p, gate) => p.reflexUntenant(key, t20, gate),
  });
  if (!confirmed) throw unconfirmedError(what, context.options.replicaWaitMs);
  context.knownTenants.delete(tenantId);
  context.usage.forget(tenantId);
  await keepListedIfWritten(context, tenantId, buckets, replicated);
  options.onProgress?.({ done, total: done });
  return done;
}

/**
 * A write that landed in a bucket after this deletion emptied it (it raced the deletion, on
 * this server or another) made the bucket's usage hash again: the tenant has entries, so it
 * goes back into the tenant set, where listings and other servers' lookups look for it. A
 * write landing after this check finds its bucket unmarked and adds the tenant itself.
 */
async function keepListedIfWritten(
  context: ClusterContext,
  tenantId: bigint,
  buckets: readonly ReturnType<typeof bucketKeys>[],
  replicated: boolean,
): Promise<void> {
  let written: boolean;
  try {
    written = await anyBucketWritten(context, buckets);
  } catch (error) {
    throw readError(`checking tenant ${tenantId} after its deletion`, error);
  }
  if (written) await ensureTenant(context, tenantId, replicated, true);
}

/** True when any of the buckets has a usage hash: a write made it (a deletion drops it with the bucket's last entry). */
async function anyBucketWritten(
  context: ClusterContext,
  buckets: readonly ReturnType<typeof bucketKeys>[],
): Promise<boolean> {
  const counts = await Promise.all(buckets.map((keys) => context.clients.reader.exists(keys.usage)));
  return counts.some((count) => count > 0);
}
