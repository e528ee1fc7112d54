import { encodeEnvelope } from "@reflex/codec";
import { type Durability, type EntryFields, type StoredEntryHandle, StoreError, type StoreOptions } from "@reflex/core";
import { checkId, checkTtl, expiresAtOf, rethrowCodecError, storedEnvelopeHandle } from "@reflex/core/backend";
import { checkEmbeddingLength } from "@reflex/core/lookup";
import type { ClusterContext } from "./context.ts";
import { bucketKeys, bucketOf, entryScriptKeys, id20 } from "./layout.ts";
import { loadEnvelope } from "./read-ops.ts";
import { isChangedReply, unconfirmedError, unlistedError, writeError } from "./redis-errors.ts";
import { deleteReplyOf, putReplyOf } from "./scripts.ts";
import { send } from "./shard-writes.ts";

/** True when a write with `durability` (else the store's default) waits for a replica. */
export function isReplicated(context: ClusterContext, durability: Durability | undefined): boolean {
  const wanted = durability ?? context.options.durability;
  if (wanted === "atomic") return false;
  if (wanted === "replicated" || wanted === "fsync") return true;
  throw new StoreError(
    "invalid_argument",
    `durability must be "replicated" or "atomic", got ${JSON.stringify(wanted)}`,
  );
}

/**
 * Adds the tenant to the namespace's tenant set, once per client (before its first entry), or
 * again when `force`: after a write into a bucket not marked listed, which may follow another
 * server's deletion of the tenant (its set entry gone, this client's memory of it not), and
 * when a deletion finds a bucket written during it. Resolves to true when the add was
 * accepted on a master alone (see `whenReplicaLost`).
 */
export async function ensureTenant(
  context: ClusterContext,
  tenantId: bigint,
  replicated: boolean,
  force = false,
): Promise<boolean> {
  if (!force && context.knownTenants.has(tenantId)) return false;
  const what = `adding tenant ${tenantId}`;
  const key = context.keys.tenants;
  const { confirmed, masterOnly } = await send<[number]>(context, {
    what,
    key,
    replicated,
    call: (p, gate) => p.reflexTenant(key, id20(tenantId), gate),
  });
  if (!confirmed) throw unconfirmedError(what, context.options.replicaWaitMs);
  context.knownTenants.add(tenantId);
  context.usage.tenant(tenantId);
  return masterOnly;
}

/** The expiry of an entry written now with `ttlSeconds` (else the namespace's default), by the contract's rule. */
function expiresAtFor(context: ClusterContext, ttlSeconds: number | undefined): bigint {
  return expiresAtOf(checkTtl(ttlSeconds ?? context.options.defaultTtlSeconds), Date.now());
}

/**
 * Writes an entry: its envelope and the bucket's index in one script, the tenant set
 * before it (and again after it, into a bucket not yet marked listed: see `listAgain`).
 * Replicated writes resolve once a replica confirmed; on a shard with no online replica
 * `degraded` (nothing written), or under `whenReplicaLost: "accept"` a handle whose
 * `weakerDurability` is `"master-only"` (so is it when the tenant-set add was);
 * `outcome_unknown` when no confirmation came.
 */
export async function storeEntry(
  context: ClusterContext,
  id: bigint,
  entry: EntryFields,
  options?: StoreOptions,
  replacing?: string,
): Promise<StoredEntryHandle> {
  checkId(id, "entry id");
  const tenantId = checkId(entry?.tenantId, "tenant_id");
  const replicated = isReplicated(context, options?.durability);
  const expiresAt = expiresAtFor(context, options?.ttlSeconds);
  if (entry.embedding instanceof Uint8Array) checkEmbeddingLength(entry.embedding);
  let bytes: Uint8Array;
  try {
    bytes = encodeEnvelope(id, entry, expiresAt);
  } catch (error) {
    rethrowCodecError(error);
  }
  let masterOnly = await ensureTenant(context, tenantId, replicated);
  const keys = bucketKeys(context.options.namespace, tenantId, bucketOf(id, context.buckets));
  const member = id20(id);
  const what = `store of entry ${id} of tenant ${tenantId}`;
  // Marked once the reply (or the failure: it may have landed) is in, so this store's next lookup reads the log.
  const sent = await send<[number, number, number, number, string]>(context, {
    what,
    key: keys.ids,
    replicated,
    call: (p, gate) =>
      p.reflexPut(
        ...entryScriptKeys(keys, member),
        Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength),
        member,
        expiresAt === 0n ? "0" : String(expiresAt * 1000n),
        String(expiresAt),
        gate,
        context.options.changeLogLength,
        ...(replacing === undefined ? [] : [replacing]),
      ),
  }).finally(() => context.changed.add(tenantId));
  const reply = putReplyOf(sent.reply);
  context.usage.add(tenantId, reply.entriesDelta, reply.bytesDelta);
  if (reply.unlisted) {
    masterOnly =
      (await listAgain(context, what, tenantId, replicated, keys.usage, reply.epoch, sent.confirmed)) || masterOnly;
  }
  if (!sent.confirmed) throw unconfirmedError(what, context.options.replicaWaitMs);
  return storedEnvelopeHandle(bytes, !reply.existed, masterOnly || sent.masterOnly ? "master-only" : undefined);
}

/**
 * After a write into a bucket not marked `listed`: a deletion of the tenant (another
 * server's, or one racing this write) may have taken it out of the set after the add before
 * the write, so it is added again, now that the entry is in, and the bucket is marked. A
 * failure leaves the bucket unmarked: the next write into it adds the tenant again. When the
 * write itself was confirmed, the failure is the write's, as `outcome_unknown` (the entry is
 * stored: a `storage_unavailable` or `degraded` of the add must not say "nothing written").
 * Resolves to true when the add was accepted on a master alone.
 */
async function listAgain(
  context: ClusterContext,
  what: string,
  tenantId: bigint,
  replicated: boolean,
  usage: string,
  epoch: string,
  writeConfirmed: boolean,
): Promise<boolean> {
  try {
    const masterOnly = await ensureTenant(context, tenantId, replicated, true);
    await context.clients.withWriter(async (writer) => {
      try {
        await writer.reflexMarkListed(usage, epoch);
      } catch (error) {
        throw writeError(`marking tenant ${tenantId} listed`, error);
      }
    });
    return masterOnly;
  } catch (error) {
    context.knownTenants.delete(tenantId);
    if (writeConfirmed) throw unlistedError(what, tenantId, error);
    return false;
  }
}

/** Deletes an entry and its index records in one script: `not_found` when there was none. */
export async function deleteEntry(context: ClusterContext, id: bigint, tenantId: bigint): Promise<void> {
  checkId(id, "entry id");
  checkId(tenantId, "tenant id");
  const replicated = isReplicated(context, undefined);
  const keys = bucketKeys(context.options.namespace, tenantId, bucketOf(id, context.buckets));
  const member = id20(id);
  const what = `delete of entry ${id} of tenant ${tenantId}`;
  const sent = await send<[number, number, number]>(context, {
    what,
    key: keys.ids,
    replicated,
    call: (p, gate) => p.reflexDelete(...entryScriptKeys(keys, member), member, gate, context.options.changeLogLength),
  }).finally(() => context.changed.add(tenantId)); // as for a store
  const reply = deleteReplyOf(sent.reply);
  context.usage.add(tenantId, reply.entriesDelta, reply.bytesDelta);
  if (!reply.removed) throw new StoreError("not_found", `entry ${id} of tenant ${tenantId} not found`);
  if (!sent.confirmed) throw unconfirmedError(what, context.options.replicaWaitMs);
}

/** How many times a touch re-reads an entry that another client rewrote under it. */
const TOUCH_ATTEMPTS = 5;

/**
 * A new time to live for an entry, its fields unchanged: it is read, verified, and
 * written again with the new expiry by the put script, guarded by the SHA-1 of the value
 * it read (a concurrent write in between makes the script refuse; the touch then reads
 * again). Costs a read and a whole write of the entry. Resolves to the new expiry.
 */
export async function touchEntry(
  context: ClusterContext,
  id: bigint,
  tenantId: bigint,
  ttlSeconds: number,
): Promise<bigint> {
  expiresAtFor(context, ttlSeconds); // a bad TTL is refused before anything is read
  for (let attempt = 1; ; attempt++) {
    const { handle, bytes } = await loadEnvelope(context, id, tenantId);
    let entry: EntryFields;
    try {
      entry = handle.toEntry();
    } finally {
      handle.release();
    }
    const replacing = new Bun.CryptoHasher("sha1").update(bytes).digest("hex");
    try {
      const stored = await storeEntry(context, id, entry, { ttlSeconds }, replacing);
      const expiresAt = stored.expiresAt;
      stored.release();
      return expiresAt;
    } catch (error) {
      if (!isChangedReply(error) || attempt >= TOUCH_ATTEMPTS) throw error;
    }
  }
}
