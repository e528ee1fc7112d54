import { type EntryHandle, type ListPage, type LoadManyResult, StoreError, type TenantUsage } from "@reflex/core";
import { checkId, envelopeHandle, pageLimit } from "@reflex/core/backend";
import { type ClusterContext, nowSeconds } from "./context.ts";
import { bucketKeys, bucketOf, bucketScriptKeys, entryKey, id20 } from "./layout.ts";
import { readError } from "./redis-errors.ts";

/** Loads and verifies an entry: `not_found` when there is none or it has expired, `corrupt` when damaged. */
export async function loadEntry(context: ClusterContext, id: bigint, tenantId: bigint): Promise<EntryHandle> {
  return (await loadEnvelope(context, id, tenantId)).handle;
}

/** {@link loadEntry}, with the envelope bytes the handle views (what a guarded rewrite compares against). */
export async function loadEnvelope(
  context: ClusterContext,
  id: bigint,
  tenantId: bigint,
): Promise<{ handle: EntryHandle; bytes: Buffer }> {
  checkId(id, "entry id");
  checkId(tenantId, "tenant id");
  const key = entryKey(context.options.namespace, tenantId, id, context.buckets);
  let bytes: Buffer | null;
  try {
    bytes = await context.clients.reader.getBuffer(key);
  } catch (error) {
    throw readError(`load of ${key}`, error);
  }
  if (bytes === null) throw new StoreError("not_found", `entry ${id} of tenant ${tenantId} not found`);
  const handle = envelopeHandle(bytes, tenantId, id, key);
  // Redis expires the key at the same second; this covers a reply that crossed it.
  if (handle.expiresAt !== 0n && handle.expiresAt <= nowSeconds()) {
    handle.release();
    throw new StoreError("not_found", `entry ${id} of tenant ${tenantId} not found (expired)`);
  }
  return { handle, bytes };
}

/**
 * Loads several entries of one tenant: handles in the order asked for (a repeated id gives
 * a handle each time), and the ids with no live entry. Every id is checked first; the
 * values are fetched with one MGET per bucket (a bucket is one slot), in parallel; a damaged
 * one fails the call as `corrupt`, releasing the handles taken so far.
 */
export async function loadManyEntries(
  context: ClusterContext,
  tenantId: bigint,
  ids: readonly bigint[],
): Promise<LoadManyResult> {
  checkId(tenantId, "tenant id");
  if (!Array.isArray(ids)) throw new StoreError("invalid_argument", "ids must be an array of u64 bigints");
  for (const [i, id] of ids.entries()) checkId(id, `ids[${i}]`);
  const byBucket = new Map<number, number[]>();
  for (const [i, id] of ids.entries()) {
    const bucket = bucketOf(id, context.buckets);
    const positions = byBucket.get(bucket);
    if (positions === undefined) byBucket.set(bucket, [i]);
    else positions.push(i);
  }
  const keyOf = (id: bigint) => entryKey(context.options.namespace, tenantId, id, context.buckets);
  const values: (Buffer | null)[] = new Array(ids.length).fill(null);
  try {
    await Promise.all(
      [...byBucket.values()].map(async (positions) => {
        const found = await context.clients.reader.mgetBuffer(...positions.map((i) => keyOf(ids[i] as bigint)));
        for (const [k, i] of positions.entries()) values[i] = found[k] ?? null;
      }),
    );
  } catch (error) {
    throw readError(`loadMany of tenant ${tenantId}`, error);
  }
  const entries: EntryHandle[] = [];
  const missing: bigint[] = [];
  const now = nowSeconds();
  try {
    for (const [i, id] of ids.entries()) {
      const bytes = values[i];
      if (bytes === null || bytes === undefined) {
        missing.push(id);
        continue;
      }
      const handle = envelopeHandle(bytes, tenantId, id, keyOf(id));
      if (handle.expiresAt !== 0n && handle.expiresAt <= now) {
        handle.release();
        missing.push(id);
      } else entries.push(handle);
    }
  } catch (error) {
    for (const handle of entries) handle.release();
    throw error;
  }
  return { entries, missing };
}

/** True when the entry exists (and has not expired). */
export async function entryExists(context: ClusterContext, id: bigint, tenantId: bigint): Promise<boolean> {
  checkId(id, "entry id");
  checkId(tenantId, "tenant id");
  try {
    return (
      (await context.clients.reader.exists(entryKey(context.options.namespace, tenantId, id, context.buckets))) === 1
    );
  } catch (error) {
    throw readError(`exists of entry ${id} of tenant ${tenantId}`, error);
  }
}

/** Tenant ids, ascending, from the namespace's tenant set. */
export async function listTenants(context: ClusterContext): Promise<bigint[]> {
  let members: string[];
  try {
    members = await context.clients.reader.zrangebylex(context.keys.tenants, "-", "+");
  } catch (error) {
    throw readError("tenant listing", error);
  }
  return members.map((member) => BigInt(member));
}

/**
 * One page of one bucket (ids after `after`, at most `limit`, -1 for all), after sweeping
 * the bucket's expired entries. The sweep writes, so it runs on the master, not waited for.
 */
async function bucketPage(
  context: ClusterContext,
  tenantId: bigint,
  bucket: number,
  after: bigint | undefined,
  limit: number,
): Promise<string[]> {
  const keys = bucketKeys(context.options.namespace, tenantId, bucket);
  const reply = await context.clients.reader.reflexList(
    ...bucketScriptKeys(keys),
    context.options.changeLogLength,
    after === undefined ? "-" : `(${id20(after)}`,
    limit,
  );
  const swept = Number(reply[0]);
  if (swept > 0) {
    context.expirations += swept;
    context.usage.add(tenantId, -swept, -Number(reply[1]));
  }
  return reply.slice(2) as string[];
}

/**
 * Entry ids of a tenant after `page.after`, ascending, at most `page.limit`: each of the
 * K buckets gives its first `limit` ids after `after` (ZRANGEBYLEX on the fixed-width
 * index), and the merge keeps the first `limit` of them. Cost: K scripts per page.
 */
export async function listEntries(context: ClusterContext, tenantId: bigint, page: ListPage = {}): Promise<bigint[]> {
  checkId(tenantId, "tenant id");
  const limit = pageLimit(page);
  const after = page.after === undefined ? undefined : checkId(page.after, "after");
  if (limit === 0) return [];
  const perBucket = limit === Number.POSITIVE_INFINITY ? -1 : limit;
  let pages: string[][];
  try {
    pages = await Promise.all(
      Array.from({ length: context.buckets }, (_, bucket) => bucketPage(context, tenantId, bucket, after, perBucket)),
    );
  } catch (error) {
    throw readError(`listing of tenant ${tenantId}`, error);
  }
  const merged = pages.flat().sort();
  const end = Math.min(merged.length, limit);
  const ids: bigint[] = new Array(end);
  for (let i = 0; i < end; i++) ids[i] = BigInt(merged[i] as string);
  return ids;
}

/** Sweeps every bucket of a tenant and reads its exact counts from the buckets' usage hashes. */
export async function tenantUsage(context: ClusterContext, tenantId: bigint): Promise<TenantUsage> {
  const replies = await Promise.all(
    Array.from({ length: context.buckets }, (_, bucket) => {
      const keys = bucketKeys(context.options.namespace, tenantId, bucket);
      return context.clients.reader.reflexSweep(...bucketScriptKeys(keys), context.options.changeLogLength);
    }),
  );
  let entryCount = 0;
  let totalBytes = 0;
  for (const [swept, , entries, bytes] of replies) {
    context.expirations += Number(swept);
    entryCount += Number(entries);
    totalBytes += Number(bytes);
  }
  return { tenantId, entryCount, totalBytes };
}

/** Every tenant's exact usage (sweeping expired entries first), tenants ascending. */
export async function usageOfAll(context: ClusterContext): Promise<TenantUsage[]> {
  const tenants = await listTenants(context);
  const usage: TenantUsage[] = [];
  try {
    for (const tenantId of tenants) usage.push(await tenantUsage(context, tenantId));
  } catch (error) {
    throw readError("stats", error);
  }
  return usage;
}
