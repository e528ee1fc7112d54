import { encodeEnvelope } from "@reflex/codec";
import { type Durability, type EntryFields, type StoredEntryHandle, StoreError, type StoreOptions } from "@reflex/core";
import { checkId, checkTtl, expiresAtOf, rethrowCodecError, storedEnvelopeHandle } from "@reflex/core/backend";
import { checkEmbeddingLength } from "@reflex/core/lookup";
import type { ChainableCommander, Cluster } from "ioredis";
import type { ClusterContext } from "./context.ts";
import { bucketKeys, bucketOf, id20 } from "./layout.ts";
import { loadEnvelope } from "./read-ops.ts";
import { isChangedReply, unconfirmedError, writeError } from "./redis-errors.ts";
import { deleteReplyOf, putReplyOf } from "./scripts.ts";

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
 * Runs one script (`call` on a client or a pipeline) on its shard. Atomic: a plain command,
 * through the writer's auto-pipeline. Replicated: the script and `WAIT 1` right behind it in
 * one explicit pipeline, which keeps both on one connection, in order. Resolves with the
 * script's reply and whether a replica confirmed it; a failure before the reply is a typed
 * write error.
 */
export async function send<T>(
  context: ClusterContext,
  what: string,
  replicated: boolean,
  call: (client: Cluster | ChainableCommander) => unknown,
): Promise<{ reply: T; confirmed: boolean }> {
  const waitMs = context.options.replicaWaitMs;
  return context.clients.withWriter(async (writer) => {
    if (!replicated) {
      try {
        return { reply: (await call(writer)) as T, confirmed: true };
      } catch (error) {
        throw writeError(what, error);
      }
    }
    let results: [Error | null, unknown][] | null;
    try {
      const pipeline = writer.pipeline();
      call(pipeline);
      pipeline.wait(1, waitMs);
      results = await pipeline.exec();
    } catch (error) {
      throw writeError(what, error);
    }
    const [scriptError, reply] = results?.[0] ?? [new Error("empty pipeline reply"), null];
    if (scriptError !== null) throw writeError(what, scriptError);
    const [waitError, acknowledged] = results?.[1] ?? [new Error("no WAIT reply"), 0];
    return { reply: reply as T, confirmed: waitError === null && Number(acknowledged) >= 1 };
  });
}

/**
 * Adds the tenant to the namespace's tenant set, once per client (before its first entry), or
 * again when `force`: after a write into a bucket not marked listed, which may follow another
 * server's deletion of the tenant (its set entry gone, this client's memory of it not), and
 * when a deletion finds a bucket written during it.
 */
export async function ensureTenant(
  context: ClusterContext,
  tenantId: bigint,
  replicated: boolean,
  force = false,
): Promise<void> {
  if (!force && context.knownTenants.has(tenantId)) return;
  const what = `adding tenant ${tenantId}`;
  const { confirmed } = await send<number>(context, what, replicated, (p) =>
    p.reflexTenant(context.keys.tenants, id20(tenantId), replicated ? "1" : "0"),
  );
  if (!confirmed) throw unconfirmedError(what, context.options.replicaWaitMs);
  context.knownTenants.add(tenantId);
  context.usage.tenant(tenantId);
}

/** The expiry of an entry written now with `ttlSeconds` (else the namespace's default), by the contract's rule. */
function expiresAtFor(context: ClusterContext, ttlSeconds: number | undefined): bigint {
  return expiresAtOf(checkTtl(ttlSeconds ?? context.options.defaultTtlSeconds), Date.now());
}

/**
 * Writes an entry: its envelope and the bucket's index in one script, the tenant set
 * before it (and again after it, into a bucket not yet marked listed: see `listAgain`).
 * Replicated writes resolve once a replica confirmed; `degraded` when the shard has no
 * online replica (nothing written), `outcome_unknown` when no confirmation came.
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
  await ensureTenant(context, tenantId, replicated);
  const keys = bucketKeys(context.options.namespace, tenantId, bucketOf(id, context.buckets));
  const member = id20(id);
  const what = `store of entry ${id} of tenant ${tenantId}`;
  // Marked once the reply (or the failure: it may have landed) is in, so this store's next lookup reads the log.
  const sent = await send<[number, number, number, number, string]>(context, what, replicated, (p) =>
    p.reflexPut(
      keys.entryPrefix + member,
      keys.ids,
      keys.exp,
      keys.sizes,
      keys.usage,
      keys.log,
      Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength),
      member,
      expiresAt === 0n ? "0" : String(expiresAt * 1000n),
      String(expiresAt),
      replicated ? "1" : "0",
      context.options.changeLogLength,
      ...(replacing === undefined ? [] : [replacing]),
    ),
  ).finally(() => context.changed.add(tenantId));
  const reply = putReplyOf(sent.reply);
  context.usage.add(tenantId, reply.entriesDelta, reply.bytesDelta);
  if (reply.unlisted) await listAgain(context, tenantId, replicated, keys.usage, reply.epoch, sent.confirmed);
  if (!sent.confirmed) throw unconfirmedError(what, context.options.replicaWaitMs);
  return storedEnvelopeHandle(bytes, !reply.existed);
}

/**
 * After a write into a bucket not marked `listed`: a deletion of the tenant (another
 * server's, or one racing this write) may have taken it out of the set after the add before
 * the write, so it is added again, now that the entry is in, and the bucket is marked. A
 * failure leaves the bucket unmarked: the next write into it adds the tenant again. Its error
 * is the write's when the write itself was confirmed.
 */
async function listAgain(
  context: ClusterContext,
  tenantId: bigint,
  replicated: boolean,
  usage: string,
  epoch: string,
  writeConfirmed: boolean,
): Promise<void> {
  try {
    await ensureTenant(context, tenantId, replicated, true);
    await send<number>(context, `marking tenant ${tenantId} listed`, false, (p) => p.reflexMarkListed(usage, epoch));
  } catch (error) {
    context.knownTenants.delete(tenantId);
    if (writeConfirmed) throw error;
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
  const sent = await send<[number, number, number]>(context, what, replicated, (p) =>
    p.reflexDelete(
      keys.entryPrefix + member,
      keys.ids,
      keys.exp,
      keys.sizes,
      keys.usage,
      keys.log,
      member,
      replicated ? "1" : "0",
      context.options.changeLogLength,
    ),
  ).finally(() => context.changed.add(tenantId)); // as for a store
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
