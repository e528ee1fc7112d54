// The store server and the gateway on one root: one writer per root, so both run in one
// process over one store (the gateway's answers are entries the store API lists and serves).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { NvmeStorage } from "@reflex/core";
import { createApp, silentLogger } from "@reflex/server";
import { removeTempDirs, tempDir } from "@reflex/testkit";
import OpenAI from "openai";
import { startGateway } from "../src/server.ts";
import { keyedTenant } from "../src/tenancy/keyed-tenant.ts";
import { type FakeUpstream, startFakeUpstream } from "./fake-upstream-process.ts";
import { HARNESS_SECRET, harnessConfig, uniqueText } from "./gateway-harness.ts";

let upstream: FakeUpstream;
beforeAll(async () => {
  upstream = await startFakeUpstream();
});
afterAll(async () => {
  await upstream.stop();
  removeTempDirs();
});

describe("the store server and the gateway in one process, one root", () => {
  test("the gateway's answer is an entry the store API lists; a second writing store is refused", async () => {
    const root = tempDir("reflex-gateway-shared-");
    const store = new NvmeStorage(root);
    store.ensureStoragePath();
    const api = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: createApp(store).fetch });
    const gateway = await startGateway(harnessConfig(upstream, root), { logger: silentLogger, store });
    try {
      const client = new OpenAI({ apiKey: "sk-shared", baseURL: `${gateway.url}/v1`, maxRetries: 0 });
      const messages = [{ role: "user" as const, content: uniqueText("shared root") }];
      const answer = await client.chat.completions
        .create({ model: "fake-model", messages, temperature: 0 })
        .withResponse();
      await new Promise((resolve) => setImmediate(resolve));
      await gateway.deps.cache.settled();
      const entry = answer.response.headers.get("x-reflex-entry");
      const tenant = keyedTenant(HARNESS_SECRET, "sk-shared");
      const listed = (await (await fetch(`${api.url.origin}/v1/tenants/${tenant}/entries`)).json()) as {
        ids: string[];
      };
      expect(listed.ids).toContain(entry as string);
      // Another process (the CLI's `reflex serve`, a second gateway) cannot write this root meanwhile:
      // here, the child `bun -e` that opens a writing store on it is refused with `locked`.
      const child = Bun.spawnSync(
        [
          process.execPath,
          "-e",
          `import { NvmeStorage } from "@reflex/core"; try { new NvmeStorage(${JSON.stringify(root)}).storeSync(1n, { tenantId: 1n, contextHash: 0n, timestamp: 0n, embedding: new Uint8Array(0), payloadBlob: new Uint8Array(1) }); console.log("wrote"); } catch (e) { console.log(e.code); }`,
        ],
        { cwd: import.meta.dir },
      );
      expect(new TextDecoder().decode(child.stdout).trim()).toBe("locked");
    } finally {
      await gateway.shutdown(); // closes the shared store
      api.stop(true);
    }
  });
});
