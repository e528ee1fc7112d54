/**
 * Scenario 10: what TLS costs. The same Reflex server (`apps/server/src/main.ts`, in a
 * child process) on two roots holding the same entries, one over plain http and one over
 * https (`--tls-cert`/`--tls-key`, a self-signed P-256 certificate made for the run),
 * loaded by the in-repo fetch client at 64 keep-alive connections (the https one trusting
 * the certificate through `tls: { ca }`), in interleaved rounds. Each figure gives the
 * server's CPU per request beside its req/s. Handshakes are not in the figures: the
 * connections are opened once and reused.
 */
import { join } from "node:path";
import { NvmeStorage } from "@reflex/core";
import { selfSignedCert } from "@reflex/testkit";
import { type Child, cpuSeconds, serverEnv, startChild } from "../child-server.ts";
import { freshDir, makeEntry, removeDir } from "../fixtures.ts";
import { currentMode } from "../harness.ts";
import { fetchLoad, type RequestSpec } from "../http-client.ts";
import type { Results } from "../results.ts";
import { HTTP_CONNECTIONS, measureGroup, type Subject } from "./http.ts";

/** Groups of this scenario start with this, so the report puts them in their own table. */
export const TLS_HTTP_PREFIX = "http vs https:";

const TENANT = 1n;
const FIRST = 100;
const COUNT = 1000;
const SIZES = [
  { label: "4 KiB", bytes: 4 * 1024, count: COUNT },
  { label: "1 MiB", bytes: 1024 * 1024, count: 16 },
] as const;

/** Runs scenario 10. */
export async function runHttpTls(results: Results): Promise<void> {
  const figureMs = currentMode().quick ? 1500 : 10_000;
  const dir = freshDir("http-tls");
  const cert = selfSignedCert(dir);
  const roots = [join(dir, "plain"), join(dir, "tls")];
  for (const root of roots) {
    const seed = new NvmeStorage(root, { durability: "atomic", handleCache: { maxEntries: 0 } });
    let id = FIRST;
    for (const size of SIZES) {
      const entry = makeEntry(TENANT, size.bytes);
      for (let i = 0; i < size.count; i++) seed.storeSync(BigInt(id++), entry).release();
    }
    seed.close();
  }
  const children: Child[] = [];
  try {
    const server = ["bun", "apps/server/src/main.ts", "--port", "0", "--quiet"];
    const plain = await startChild(server, serverEnv(roots[0] as string));
    children.push(plain);
    const tlsArgs = ["--tls-cert", cert.certFile, "--tls-key", cert.keyFile];
    const secure = await startChild([...server, ...tlsArgs], serverEnv(roots[1] as string));
    children.push(secure);
    const tls = { ca: cert.cert };
    let first = FIRST;
    for (const size of SIZES) {
      const from = first;
      first += size.count;
      const spec: RequestSpec = {
        method: "GET",
        path: (n) => `/v1/tenants/${TENANT}/entries/${from + (n % size.count)}/payload`,
        okStatus: [200],
        ...(size.bytes >= 1024 * 1024 ? { streamBody: true } : {}),
      };
      const check = await fetch(`${secure.url}${spec.path(0)}`, { tls });
      if (check.status !== 200 || (await check.arrayBuffer()).byteLength !== size.bytes) {
        throw new Error(`${secure.url}: GET payload answered ${check.status}`);
      }
      const subject = (name: string, child: Child, withTls: boolean, reference: boolean): Subject => ({
        name,
        tool: "fetch client",
        ...(reference ? { reference: true } : {}),
        run: async (ms) => {
          const cpuBefore = cpuSeconds(child.pid);
          const result = await fetchLoad(child.url, withTls ? { ...spec, tls } : spec, HTTP_CONNECTIONS, ms);
          return { ...result, serverCpuSeconds: cpuSeconds(child.pid) - cpuBefore };
        },
      });
      await measureGroup(
        results,
        `${TLS_HTTP_PREFIX} GET payload ${size.label}`,
        [subject("reflex server, http", plain, false, true), subject("reflex server, https", secure, true, false)],
        figureMs,
      );
    }
  } finally {
    for (const child of children) await child.stop();
    removeDir(dir);
  }
}
