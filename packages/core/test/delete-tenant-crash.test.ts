// Tenant deletion under SIGKILL, by doing it: a process deleting a tenant of 4,000
// entries is killed at random moments, again and again. After every kill the tenant
// must be whole (every entry there and intact) or gone (no entry of it visible), never
// in between, and the next writer to open the root finishes a deletion cut short.
import { afterEach, expect, test } from "bun:test";
import * as fs from "node:fs";
import * as os from "node:os";
import { join } from "node:path";
import { makeEntry, SeededRandom, spawnScript } from "@reflex/testkit";
import { NvmeStorage } from "../src/index.ts";

const KILLS = Number(process.env.REFLEX_SOAK ? 100 : 20);
const ENTRIES = 4_000;
const TENANT = 7n;
const CONTROL = 8n;

const roots: string[] = [];
afterEach(() => {
  for (const root of roots.splice(0)) fs.rmSync(root, { recursive: true, force: true });
});

function seed(root: string, tenantId: bigint, count: number): void {
  const store = new NvmeStorage(root, { durability: "atomic" });
  for (let i = 0; i < count; i++)
    store.storeSync(BigInt(i), makeEntry({ tenantId, payload: `${tenantId}/${i}` })).release();
  store.close();
}

/** "whole" when every entry of the tenant is there and loads intact, "gone" when none is visible; throws otherwise. */
function tenantState(store: NvmeStorage, tenantId: bigint, count: number): "whole" | "gone" {
  const listed = store.listEntriesSync(tenantId);
  const inTenants = store.listTenantsSync().includes(tenantId);
  if (listed.length === 0 && !inTenants) return "gone";
  expect({ listed: listed.length, inTenants }).toEqual({ listed: count, inTenants: true });
  for (const id of listed) {
    const handle = store.loadSync(id, tenantId);
    expect(new TextDecoder().decode(handle.payloadBlob)).toBe(`${tenantId}/${id}`);
    handle.release();
  }
  return "whole";
}

test(`a tenant deletion SIGKILLed ${KILLS} times at random moments never leaves a half-visible tenant`, async () => {
  const root = join(fs.mkdtempSync(join(os.tmpdir(), "reflex-rm-tenant-")), "root");
  roots.push(join(root, ".."));
  const random = new SeededRandom(0x7e7a7);
  seed(root, CONTROL, 10);
  const figures = { kills: 0, whole: 0, gone: 0, finishedOnOpen: 0, completed: 0, removedAtKill: [] as number[] };
  for (let round = 0; round < KILLS; round++) {
    if (!fs.existsSync(join(root, String(TENANT)))) seed(root, TENANT, ENTRIES);
    const child = spawnScript(join(import.meta.dir, "fixtures", "tenant-deleter.ts"), [root, String(TENANT)]);
    await child.waitFor("ready");
    child.process.stdin.end(); // go
    await Bun.sleep(random.u32() % 25); // 0 ms: killed before it even starts, as often as not

    child.process.kill("SIGKILL");
    await child.process.exited;
    if (child.lines.some((line) => line.startsWith("done "))) figures.completed++;
    else figures.kills++;
    const progress = child.lines.filter((line) => line.startsWith("progress ")).at(-1);
    figures.removedAtKill.push(Number(progress?.split(" ")[1] ?? 0));
    // What any reader sees right after the crash, before a writer cleans up.
    const reader = new NvmeStorage(root, { readOnly: true });
    const seen = tenantState(reader, TENANT, ENTRIES);
    figures[seen]++;
    // The next writer finishes a deletion that got past its rename.
    const writer = new NvmeStorage(root);
    figures.finishedOnOpen += writer.finishedTenantDeletions;
    expect(tenantState(writer, TENANT, ENTRIES)).toBe(seen);
    expect(fs.readdirSync(root).filter((name) => name.startsWith(".deleting-"))).toEqual([]);
    expect(writer.listEntriesSync(CONTROL).length).toBe(10);
    expect((await writer.verify()).problems).toEqual([]);
    writer.close();
  }
  console.log(`rm-tenant under SIGKILL: ${JSON.stringify(figures)}`);
  expect(figures.whole + figures.gone).toBe(KILLS); // every round: whole or gone, never in between
  expect(figures.finishedOnOpen).toBeGreaterThan(0); // and some kills did land mid-deletion
}, 600_000);
