// On disk:
//   <root>/<tenant_id>/<entry_id>.rfx     one file per entry, canonical decimal names
//   <root>/<tenant_id>/<...>.tmp          in-flight writes only
//   <root>/.reflex-lock                   the writer's lock file (flock)
//   <root>/.reflex-ttl                    marker: some entry has an expiry
//   <root>/.deleting-<tenant>-<n>/        a tenant directory being deleted
//   <root>/.reflex-wal/<n>.log            the write-ahead log's segments (wal/wal-format.ts)
// Anything else in the tree (other names, other extensions, subfolders) is junk
// that listings ignore. Only canonical decimal names count: "007.rfx" is junk,
// since no id maps to it.

/**
 * The store root when none is given (`--root`, `REFLEX_ROOT`): relative to the working
 * directory. The server and the CLI both default to it, so from one directory they share a store.
 */
export const DEFAULT_ROOT = "./reflex-data";
/** Extension of entry files. */
export const ENTRY_EXTENSION = ".rfx";
/** Extension of in-flight temp files. */
export const TEMP_EXTENSION = ".tmp";
/**
 * An empty file at `<root>/.reflex-ttl`, made by the first write of an entry with an
 * expiry: it tells every store on the root that listings and `exists` must read entry
 * headers to skip expired entries (a root that never saw a TTL is listed from names alone).
 */
export const TTL_MARKER = ".reflex-ttl";
/**
 * `<root>/.reflex-lock`: the file a writing store holds an exclusive flock(2) on (see
 * root-lock.ts). Its text is the holder's pid and name. It is never deleted: the lock,
 * not the file, says whether a writer is there.
 */
export const LOCK_FILE = ".reflex-lock";
/**
 * A tenant directory being deleted is first renamed to `<root>/.deleting-<tenant>-<n>`:
 * not a canonical decimal, so every listing ignores it at once. A store that opens
 * finishes removing any it finds.
 */
export const DELETING_PREFIX = ".deleting-";

/**
 * `<root>/.reflex-wal/`: the write-ahead log of durable writes (see wal/wal-format.ts).
 * Its segments are replayed, in order, by the next writer that opens the root. A root
 * without it opens as before.
 */
export const WAL_DIR = ".reflex-wal";
/** Extension of a log segment: `<n>.log`, n a canonical decimal. */
export const WAL_SEGMENT_EXTENSION = ".log";

const CANONICAL_DECIMAL = /^(?:0|[1-9][0-9]{0,19})$/;
const MAX_U64_TEXT = "18446744073709551615";

/** True when `text` is the canonical decimal form of a u64. String-only: no bigint is made. */
export function isCanonicalDecimal(text: string): boolean {
  if (!CANONICAL_DECIMAL.test(text)) return false;
  return text.length < MAX_U64_TEXT.length || text <= MAX_U64_TEXT;
}

/**
 * Orders canonical decimal strings numerically without parsing them: a shorter
 * string is smaller; equal lengths compare as text.
 */
export function compareDecimal(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** `<root>/<tenant>`. `root` is absolute and normalised (the store resolves it). */
export function tenantDirPath(root: string, tenantId: bigint): string {
  return `${root}/${tenantId}`;
}

/**
 * `<root>/<tenant>/<id>.rfx`. Built by concatenation rather than path.join (2x
 * cheaper on the load path): `root` is normalised and the other parts are decimals.
 */
export function entryFilePath(root: string, tenantId: bigint, entryId: bigint): string {
  return `${root}/${tenantId}/${entryId}${ENTRY_EXTENSION}`;
}

/** `<tenant>/<id>`: an entry's file under the root without its extension; also the handle cache's key. */
export function entryKey(tenantId: bigint, entryId: bigint): string {
  return `${tenantId}/${entryId}`;
}

/** The file of the entry whose {@link entryKey} is `key`: `<root>/<key>.rfx` (the load path builds the key once). */
export function entryFilePathOfKey(root: string, key: string): string {
  return `${root}/${key}${ENTRY_EXTENSION}`;
}

/** The decimal id of an entry file name (`"42.rfx"` -> `"42"`), or undefined for junk. */
export function entryIdText(fileName: string): string | undefined {
  if (!fileName.endsWith(ENTRY_EXTENSION)) return undefined;
  const stem = fileName.slice(0, -ENTRY_EXTENSION.length);
  return isCanonicalDecimal(stem) ? stem : undefined;
}

const PROCESS_TAG = `${process.pid}.${Math.floor(Math.random() * 0xffffffff)
  .toString(16)
  .padStart(8, "0")}`;
let tempCounter = 0;

/**
 * A temp file name unique across processes and writes:
 * `<id>.<pid>.<random per process>-<counter>.tmp`. The pid lets the sweep tell a
 * live writer's temp file from a crashed one's.
 */
export function tempFileName(entryId: bigint): string {
  tempCounter = (tempCounter + 1) % Number.MAX_SAFE_INTEGER;
  return `${entryId}.${PROCESS_TAG}-${tempCounter}${TEMP_EXTENSION}`;
}

/** The writer pid encoded in a temp file name, or undefined when the name is not one of ours. */
export function tempFileOwnerPid(fileName: string): number | undefined {
  if (!fileName.endsWith(TEMP_EXTENSION)) return undefined;
  const match = /^[0-9]+\.([0-9]+)\.[0-9a-f]+-[0-9]+\.tmp$/.exec(fileName);
  if (match === null) return undefined;
  return Number(match[1]);
}
