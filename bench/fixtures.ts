/** Entries, temp directories and pre-filled tenants shared by the scenarios. */
import { closeSync, constants, existsSync, mkdtempSync, openSync, readdirSync, readSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encodeEnvelope } from "@reflex/codec";
import { type EntryFields, NvmeStorage } from "@reflex/core";

/** A 768-dim f16 embedding. */
export const EMBEDDING_BYTES = 1536;

/** The payload sizes of the issue. */
export const PAYLOAD_SIZES = [
  { label: "4 KiB", bytes: 4 * 1024 },
  { label: "64 KiB", bytes: 64 * 1024 },
  { label: "1 MiB", bytes: 1024 * 1024 },
] as const;

export type PayloadSize = (typeof PAYLOAD_SIZES)[number];

function randomBytes(length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let offset = 0; offset < length; offset += 65536) {
    crypto.getRandomValues(bytes.subarray(offset, Math.min(length, offset + 65536)));
  }
  return bytes;
}

const embedding = randomBytes(EMBEDDING_BYTES);
const payloads = new Map<number, Uint8Array>();

/** An entry of `tenantId` with a random payload of `payloadBytes` (shared between entries of one size). */
export function makeEntry(tenantId: bigint, payloadBytes: number): EntryFields {
  let payloadBlob = payloads.get(payloadBytes);
  if (payloadBlob === undefined) {
    payloadBlob = randomBytes(payloadBytes);
    payloads.set(payloadBytes, payloadBlob);
  }
  return { tenantId, contextHash: 0x1234_5678_9abc_def0n, timestamp: 1_700_000_000n, embedding, payloadBlob };
}

/** The envelope bytes the core writes for this entry: what the raw loops and the peers store. */
export function envelopeOf(id: bigint, entry: EntryFields): Uint8Array {
  return encodeEnvelope(id, entry);
}

let benchRoot: string | null = null;

/** The run's temp directory under os.tmpdir(), created on first use. */
export function runDir(): string {
  benchRoot ??= mkdtempSync(join(tmpdir(), "reflex-bench-"));
  return benchRoot;
}

/** A fresh directory inside the run's temp directory. */
export function freshDir(name: string): string {
  return mkdtempSync(join(runDir(), `${name}-`));
}

let memoryRoot: string | null = null;

/** A fresh directory on tmpfs (`/dev/shm`) when the machine has one, else {@link freshDir}: for a million tiny files. */
export function freshMemoryDir(name: string): string {
  if (!existsSync("/dev/shm")) return freshDir(name);
  memoryRoot ??= mkdtempSync("/dev/shm/reflex-bench-");
  return mkdtempSync(join(memoryRoot, `${name}-`));
}

/** Removes a directory made by {@link freshDir}. */
export function removeDir(path: string): void {
  rmSync(path, { recursive: true, force: true });
}

/** Removes the run's temp directory. */
export function removeBenchRoot(): void {
  if (benchRoot !== null) removeDir(benchRoot);
  if (memoryRoot !== null) removeDir(memoryRoot);
  benchRoot = null;
  memoryRoot = null;
}

/** Reads every file under `dir` (recursively) once, so the page cache is warm. */
export function warmPageCache(dir: string): void {
  const buffer = new Uint8Array(1 << 20);
  for (const dirent of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!dirent.isFile()) continue;
    const fd = openSync(join(dirent.parentPath, dirent.name), constants.O_RDONLY);
    try {
      while (readSync(fd, buffer, 0, buffer.length, null) > 0) {
        // read to the end
      }
    } finally {
      closeSync(fd);
    }
  }
}

/** A store root holding one tenant of `count` entries (ids 0..count-1), written atomic-only (fast to fill). */
export interface FilledTenant {
  readonly root: string;
  readonly tenantId: bigint;
  readonly count: number;
  readonly payloadBytes: number;
}

const filled = new Map<string, FilledTenant>();

/**
 * A root with one tenant of `count` entries of `payloadBytes`, filled once per run
 * and shared by the scenarios that ask for the same shape (the scale and memory
 * scenarios both use the large tenant).
 */
export function filledTenant(count: number, payloadBytes: number, extraIds = 0): FilledTenant {
  const key = `${count}/${payloadBytes}/${extraIds}`;
  const known = filled.get(key);
  if (known !== undefined) return known;
  const root = freshDir(`tenant-${count}-${payloadBytes}`);
  const tenantId = 7n;
  const store = new NvmeStorage(root, { durability: "atomic", handleCache: { maxEntries: 0 }, sweepTempFiles: false });
  const entry = makeEntry(tenantId, payloadBytes);
  for (let id = 0; id < count + extraIds; id++) store.storeSync(BigInt(id), entry).release();
  store.close();
  const tenant = { root, tenantId, count, payloadBytes };
  filled.set(key, tenant);
  return tenant;
}

/** Forgets and removes a tenant made by {@link filledTenant}. */
export function dropFilledTenants(): void {
  for (const tenant of filled.values()) removeDir(tenant.root);
  filled.clear();
}

/** A permutation of 0..n-1 (deterministic), so loads do not walk files in creation order. */
export function shuffledIds(n: number, seed = 12345): number[] {
  const ids = Array.from({ length: n }, (_, i) => i);
  let state = seed >>> 0;
  for (let i = n - 1; i > 0; i--) {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    const j = state % (i + 1);
    const t = ids[i] as number;
    ids[i] = ids[j] as number;
    ids[j] = t;
  }
  return ids;
}
