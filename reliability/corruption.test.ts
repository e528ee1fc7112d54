// Corruption, by doing it: a populated store (3 tenants, 1 KiB-1 MiB entries, a quarter
// of them mapped on load) takes random damage: bit flips in the header and in the body,
// truncations, zeroed 4 KiB pages, appended bytes, files swapped within a tenant and
// across tenants, and a file moved onto another's name. Then verify() must name every
// damaged file and nothing else, a load of each must refuse with `corrupt`, no load may
// ever return bytes other than what was stored, and the HTTP API must answer 500
// `data_corrupted` (JSON, no stack trace) for each damaged entry while the others still
// answer 200 with their exact bytes.
import { afterAll, expect, test } from "bun:test";
import { closeSync, openSync, readFileSync, renameSync, rmSync, statSync, truncateSync, writeSync } from "node:fs";
import { dirname, join } from "node:path";
import { decodeEntryBody, entryFromJson } from "@reflex/codec";
import { type EntryFields, isStoreError, NvmeStorage, U64_MAX } from "@reflex/core";
import { createApp } from "@reflex/server";
import { removeTempDirs, SeededRandom, sameBytes, tempDir } from "@reflex/testkit";
import { figure, mixedEntry, mixedEntryProblem, scale } from "./fixtures/harness.ts";

const ROUNDS = scale(3, 30);
const TENANTS: readonly bigint[] = [1n, 42n, U64_MAX];
const IDS_PER_TENANT = 100;
/** Files damaged per round (of 300): the rest stay untouched. */
const DAMAGED_PER_ROUND = 160;
const PAGE = 4096;
const HEADER_BYTES = 32;

afterAll(removeTempDirs);

type Damage =
  | "bit flip in header"
  | "bit flip in body"
  | "truncated"
  | "zeroed 4 KiB page"
  | "appended bytes"
  | "swapped within tenant"
  | "swapped across tenants"
  | "moved onto another id";

const SINGLE_FILE_DAMAGES: readonly Damage[] = [
  "bit flip in header",
  "bit flip in body",
  "truncated",
  "zeroed 4 KiB page",
  "appended bytes",
];
const PAIR_DAMAGES: readonly Damage[] = ["swapped within tenant", "swapped across tenants", "moved onto another id"];

interface Key {
  readonly tenantId: bigint;
  readonly entryId: bigint;
  readonly tag: bigint;
  /** `<tenant>/<id>.rfx`, relative to the root. */
  readonly path: string;
}

function writeAt(path: string, offset: number, bytes: Uint8Array): void {
  const fd = openSync(path, "r+");
  try {
    writeSync(fd, bytes, 0, bytes.byteLength, offset);
  } finally {
    closeSync(fd);
  }
}

/** Ids of one tenant: half shared by every tenant (so a cross-tenant swap can keep the id), half random u64s. */
function idsOf(random: SeededRandom): bigint[] {
  const ids = new Set<bigint>();
  for (let i = 0; i < IDS_PER_TENANT / 2; i++) ids.add(BigInt(1000 + i));
  while (ids.size < IDS_PER_TENANT) {
    const bits = BigInt(1 + random.below(64));
    const value = (BigInt(random.below(0x1_0000_0000)) << 32n) | BigInt(random.below(0x1_0000_0000));
    ids.add(value & ((1n << bits) - 1n));
  }
  return [...ids];
}

/** A 500 `data_corrupted` in the API's JSON shape, with no stack trace and no server path in it. */
async function expectCorruptResponse(response: Response, root: string, what: string): Promise<void> {
  const text = await response.text();
  const problem =
    response.status !== 500
      ? `status ${response.status}`
      : !(response.headers.get("content-type") ?? "").startsWith("application/json")
        ? `content-type ${response.headers.get("content-type")}`
        : /\n\s+at |\.ts:\d+/.test(text) || text.includes(root)
          ? "leaks a stack trace or a path"
          : undefined;
  if (problem !== undefined) throw new Error(`${what}: ${problem}: ${text.slice(0, 300)}`);
  const body = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
  expect(Object.keys(body)).toEqual(["error"]);
  expect(body.error?.code).toBe("data_corrupted");
  expect(typeof body.error?.message).toBe("string");
}

test(
  `${ROUNDS} x ${DAMAGED_PER_ROUND} random damages: all detected, 0 wrong payloads, the rest served`,
  async () => {
    const random = new SeededRandom(0xc0bb1e);
    const byDamage = new Map<Damage, number>();
    const byReason = new Map<string, number>();
    let damages = 0;
    let damagedFiles = 0;
    let successfulLoads = 0;
    let wrongPayloads = 0;
    let httpCorrupt = 0;
    let httpIntact = 0;
    let mappedIntactLoads = 0;

    for (let round = 0; round < ROUNDS; round++) {
      const root = join(tempDir("reflex-rel-"), "store");
      // Populate (atomic writes: durability is not the subject here).
      const writer = new NvmeStorage(root, { durability: "atomic" });
      const keys: Key[] = [];
      for (const tenantId of TENANTS) {
        for (const entryId of idsOf(random)) {
          const tag = BigInt(round * 1_000_000 + keys.length + 1);
          (await writer.store(entryId, mixedEntry(tenantId, entryId, tag))).release();
          keys.push({ tenantId, entryId, tag, path: `${tenantId}/${entryId}.rfx` });
        }
      }
      writer.close();
      const original = new Map(keys.map((key) => [key.path, key]));

      // Damage. Each file takes at most one damage; a pair damage uses two files.
      const pool = [...keys];
      const take = (match: (key: Key) => boolean = () => true): Key | undefined => {
        const candidates = pool.filter(match);
        const picked = candidates[random.below(candidates.length)];
        if (picked !== undefined) pool.splice(pool.indexOf(picked), 1);
        return picked;
      };
      const damaged = new Map<string, Damage>(); // path -> what was done to the file now under it
      const movedAway = new Set<string>(); // paths whose file is gone
      while (damaged.size < DAMAGED_PER_ROUND) {
        const pair = random.below(8) < 3;
        const kind = pair
          ? (PAIR_DAMAGES[random.below(PAIR_DAMAGES.length)] as Damage)
          : (SINGLE_FILE_DAMAGES[random.below(SINGLE_FILE_DAMAGES.length)] as Damage);
        const a = take();
        if (a === undefined) break;
        const pathA = join(root, a.path);
        if (!pair) {
          const bytes = readFileSync(pathA);
          const size = bytes.byteLength;
          if (kind === "bit flip in header" || kind === "bit flip in body") {
            const at =
              kind === "bit flip in header"
                ? random.below(HEADER_BYTES)
                : HEADER_BYTES + random.below(size - HEADER_BYTES);
            writeAt(pathA, at, new Uint8Array([(bytes[at] ?? 0) ^ (1 << random.below(8))]));
          } else if (kind === "truncated") {
            truncateSync(pathA, random.below(size));
          } else if (kind === "zeroed 4 KiB page") {
            const pages = Math.ceil(size / PAGE);
            let page = random.below(pages);
            // A page that is zero already would be no damage: take the next one that is not.
            while (bytes.subarray(page * PAGE, (page + 1) * PAGE).every((byte) => byte === 0))
              page = (page + 1) % pages;
            writeAt(pathA, page * PAGE, new Uint8Array(Math.min(PAGE, size - page * PAGE)));
          } else {
            const extra = new Uint8Array(1 + random.below(PAGE));
            for (let i = 0; i < extra.byteLength; i++) extra[i] = random.below(256);
            writeAt(pathA, size, extra);
          }
          damaged.set(a.path, kind);
        } else {
          const b = take((key) =>
            kind === "swapped within tenant"
              ? key.tenantId === a.tenantId
              : kind === "swapped across tenants"
                ? key.tenantId !== a.tenantId
                : true,
          );
          if (b === undefined) continue;
          const pathB = join(root, b.path);
          if (kind === "moved onto another id") {
            renameSync(pathA, pathB);
            movedAway.add(a.path);
          } else {
            renameSync(pathA, `${pathA}.swap`);
            renameSync(pathB, pathA);
            renameSync(`${pathA}.swap`, pathB);
            damaged.set(a.path, kind);
          }
          damaged.set(b.path, kind);
        }
        byDamage.set(kind, (byDamage.get(kind) ?? 0) + 1);
        damages++;
      }
      damagedFiles += damaged.size;
      for (const key of keys) {
        if (!damaged.has(key.path) && !movedAway.has(key.path))
          expect(statSync(join(root, key.path)).isFile()).toBe(true);
      }

      // verify(): every damaged file, by its path, and nothing else.
      const store = new NvmeStorage(root, { handleCache: { maxEntries: 0 } });
      const report = await store.verify();
      expect(report.problems.map((problem) => problem.path).sort()).toEqual([...damaged.keys()].sort());
      expect(report.checked).toBe(keys.length - movedAway.size);
      expect(report.ok).toBe(keys.length - movedAway.size - damaged.size);
      for (const problem of report.problems) {
        expect(original.get(problem.path)).toMatchObject({ tenantId: problem.tenantId, entryId: problem.entryId });
        byReason.set(problem.reason, (byReason.get(problem.reason) ?? 0) + 1);
      }

      // Loads by a fresh store without a cache: damaged -> corrupt, moved away -> not_found,
      // untouched -> exactly the bytes stored; never anything else.
      for (const key of keys) {
        let loaded: EntryFields | undefined;
        let failure: unknown;
        try {
          const handle = store.loadSync(key.entryId, key.tenantId);
          loaded = handle.toEntry();
          if (handle.mapped) mappedIntactLoads++;
          handle.release();
        } catch (error) {
          failure = error;
        }
        if (loaded !== undefined) {
          successfulLoads++;
          const wrong =
            loaded.contextHash !== key.tag || mixedEntryProblem(loaded, key.tenantId, key.entryId) !== undefined;
          if (wrong) wrongPayloads++;
        }
        const expected = damaged.has(key.path) ? "corrupt" : movedAway.has(key.path) ? "not_found" : "ok";
        const outcome = loaded !== undefined ? "ok" : isStoreError(failure) ? failure.code : String(failure);
        if (outcome !== expected) {
          throw new Error(
            `${key.path} (${damaged.get(key.path) ?? "untouched"}): expected ${expected}, got ${outcome}`,
          );
        }
      }
      expect(wrongPayloads).toBe(0);
      store.close();

      // The HTTP API over the damaged root (a fresh store with the default cache).
      const served = new NvmeStorage(root);
      const app = createApp(served);
      for (const key of keys) {
        const base = `/v1/tenants/${key.tenantId}/entries/${key.entryId}`;
        if (!damaged.has(key.path)) continue;
        const what = `${key.path} (${damaged.get(key.path)})`;
        await expectCorruptResponse(await app.request(base), root, `GET ${what} as JSON`);
        await expectCorruptResponse(
          await app.request(base, { headers: { Accept: "application/x-protobuf" } }),
          root,
          `GET ${what} as protobuf`,
        );
        await expectCorruptResponse(await app.request(`${base}/payload`), root, `GET ${what}/payload`);
        httpCorrupt += 3;
      }
      for (const key of keys) {
        if (damaged.has(key.path)) continue;
        const base = `/v1/tenants/${key.tenantId}/entries/${key.entryId}`;
        const expected = mixedEntry(key.tenantId, key.entryId, key.tag);
        if (movedAway.has(key.path)) {
          const response = await app.request(base);
          expect(response.status).toBe(404);
          expect(((await response.json()) as { error: { code: string } }).error.code).toBe("not_found");
          continue;
        }
        const asJson = await app.request(base);
        expect(asJson.status).toBe(200);
        const fromJson = entryFromJson(await asJson.json());
        const asProtobuf = await app.request(base, { headers: { Accept: "application/x-protobuf" } });
        expect(asProtobuf.status).toBe(200);
        const fromProtobuf = decodeEntryBody(new Uint8Array(await asProtobuf.arrayBuffer()));
        const payload = await app.request(`${base}/payload`);
        expect(payload.status).toBe(200);
        const payloadBytes = new Uint8Array(await payload.arrayBuffer());
        for (const entry of [fromJson, fromProtobuf]) {
          expect(entry.contextHash).toBe(key.tag);
          expect(mixedEntryProblem(entry, key.tenantId, key.entryId)).toBeUndefined();
        }
        expect(sameBytes(payloadBytes, expected.payloadBlob)).toBe(true);
        httpIntact += 3;
      }
      served.close();
      rmSync(dirname(root), { recursive: true, force: true });
    }

    const reasons = [...byReason].map(([reason, count]) => `${reason} ${count}`).join(", ");
    const kinds = [...byDamage].map(([kind, count]) => `${kind} ${count}`).join(", ");
    figure(
      "corruption",
      `${damages} damages to ${damagedFiles} files in ${ROUNDS} stores of ${TENANTS.length * IDS_PER_TENANT}: ` +
        `100% reported by verify() and refused by load, ${successfulLoads} successful loads, ${wrongPayloads} wrong payloads; ` +
        `HTTP ${httpCorrupt} x 500 data_corrupted, ${httpIntact} x 200 exact (${mappedIntactLoads} intact loads mapped); ` +
        `damages: ${kinds}; reasons: ${reasons}`,
    );
  },
  scale(100_000, 1_200_000),
);
