// Where everything lives in the cluster. One namespace (default "reflex") holds:
//
//   {ns}:config                    hash: version, buckets (K, fixed when the namespace is made)
//   {ns}:tenants                   zset, score 0: the tenants written and not deleted, as 20-digit ids
//   {ns:t<T>:b<B>}:e:<id20>        string: the entry's envelope bytes (PEXPIREAT when it has a TTL)
//   {ns:t<T>:b<B>}:ids             zset, score 0: the bucket's ids, 20-digit, so ZRANGEBYLEX is id order
//   {ns:t<T>:b<B>}:exp             zset: ids with an expiry, scored by expires_at (unix seconds)
//   {ns:t<T>:b<B>}:sizes           hash: id20 -> envelope bytes
//   {ns:t<T>:b<B>}:usage           hash: entries, bytes of the bucket; seq, epoch of its change log; listed (1 once
//                                  a writer re-added its tenant after writing into it)
//   {ns:t<T>:b<B>}:log             stream, capped (MAXLEN ~ N): one record per change of the bucket,
//                                  {s: seq, k: p(ut) | d(elete) | x (expired, swept), i: id20}
//
// T is the tenant id in decimal, B = entry id mod K, id20 the entry id zero-padded to 20
// digits (2^64-1 has 20), so string order is numeric order and no id loses precision.
// The braces are Redis Cluster hash tags: a bucket's keys share one slot, so one script
// updates entry and index atomically, and a tenant spreads over K slots. Changing K moves
// every id to another bucket: it would take a rewrite of every entry (read each bucket,
// store again under the new K), which this package does not do.

/** Width of a zero-padded u64 in decimal. */
export const ID_WIDTH = 20;

/** `id` zero-padded to 20 digits: string order equals numeric order. */
export function id20(id: bigint): string {
  return id.toString().padStart(ID_WIDTH, "0");
}

/** The namespace's own keys. */
export interface NamespaceKeys {
  readonly config: string;
  readonly tenants: string;
}

/** The keys of one bucket, and the prefix of its entry keys. */
export interface BucketKeys {
  readonly ids: string;
  readonly exp: string;
  readonly sizes: string;
  readonly usage: string;
  /** The bucket's change log (see change-log.ts). */
  readonly log: string;
  /** Entry key = entryPrefix + id20. */
  readonly entryPrefix: string;
}

/** What every whole-bucket script (sweep, list, drop) takes first, in its order: the bucket's keys, then the entry prefix. */
export function bucketScriptKeys(keys: BucketKeys): [string, string, string, string, string, string] {
  return [keys.ids, keys.exp, keys.sizes, keys.usage, keys.log, keys.entryPrefix];
}

/** What every single-entry script (put, delete) takes, in its order: the entry's key, then its bucket's keys. */
export function entryScriptKeys(keys: BucketKeys, member: string): [string, string, string, string, string, string] {
  return [keys.entryPrefix + member, keys.ids, keys.exp, keys.sizes, keys.usage, keys.log];
}

/** The keys of namespace `ns`. */
export function namespaceKeys(ns: string): NamespaceKeys {
  return { config: `{${ns}}:config`, tenants: `{${ns}}:tenants` };
}

/** The keys of bucket `bucket` of tenant `tenantId` in namespace `ns`. */
export function bucketKeys(ns: string, tenantId: bigint, bucket: number): BucketKeys {
  const tag = `{${ns}:t${tenantId}:b${bucket}}`;
  return {
    ids: `${tag}:ids`,
    exp: `${tag}:exp`,
    sizes: `${tag}:sizes`,
    usage: `${tag}:usage`,
    log: `${tag}:log`,
    entryPrefix: `${tag}:e:`,
  };
}

/** The key of entry `id` of `tenantId` in namespace `ns` with `buckets` per tenant (the read path's one string). */
export function entryKey(ns: string, tenantId: bigint, id: bigint, buckets: number): string {
  return `{${ns}:t${tenantId}:b${bucketOf(id, buckets)}}:e:${id20(id)}`;
}

/** The bucket of an entry id among `buckets`. */
export function bucketOf(id: bigint, buckets: number): number {
  return Number(id % BigInt(buckets));
}
