// `reflex serve` with a certificate: the same flags as the server, https announced.
import { afterEach, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { removeTempDirs, selfSignedCert, spawnScript, tempDir } from "@reflex/testkit";
import { expectOneLineError, MAIN, reflex } from "./helpers.ts";

afterEach(removeTempDirs);

describe("reflex serve --tls-cert --tls-key", () => {
  test("binds 0.0.0.0 with tokens and TLS, announces https, serves a PUT/GET over it (reached via 127.0.0.1)", async () => {
    const dir = tempDir("reflex-cli-tls-");
    const cert = selfSignedCert(dir);
    const token = "cli-tls-admin-token-0123456789";
    const tokens = join(dir, "tokens.json");
    writeFileSync(tokens, JSON.stringify({ tokens: [{ name: "ops", token, admin: true }] }));
    const args = ["serve", "--host", "0.0.0.0", "--port", "0", "--quiet", "--tokens", tokens];
    const child = spawnScript(MAIN, [...args, "--tls-cert", cert.certFile, "--tls-key", cert.keyFile], {
      env: { ...process.env, REFLEX_ROOT: join(dir, "root") },
    });
    const line = await child.waitFor((text) => text.startsWith("reflex listening on "));
    expect(line).toMatch(/^reflex listening on https:\/\/0\.0\.0\.0:\d+$/);
    const url = `https://127.0.0.1:${new URL(line.slice("reflex listening on ".length)).port}`;
    const tls = { ca: cert.cert };
    const headers = { Authorization: `Bearer ${token}`, "Content-Type": "application/json" };
    const body = JSON.stringify({ payloadBlob: btoa("hi") });
    expect((await fetch(`${url}/v1/tenants/3/entries/4`, { method: "PUT", headers, body, tls })).status).toBe(201);
    const payload = await fetch(`${url}/v1/tenants/3/entries/4/payload`, { headers, tls });
    expect(await payload.text()).toBe("hi");
    child.process.kill("SIGTERM");
    expect(await child.process.exited).toBe(0);
  });

  test("a certificate without a key, a missing file, or tokens without TLS off loopback: exit 2, one line", async () => {
    const dir = tempDir("reflex-cli-tls-");
    const cert = selfSignedCert(dir);
    const root = join(dir, "root");
    const alone = expectOneLineError(await reflex(["serve", "--port", "0", "--tls-cert", cert.certFile], { root }), 2);
    expect(alone).toContain("--tls-key");
    const missing = join(dir, "missing-key.pem");
    const unreadable = expectOneLineError(
      await reflex(["serve", "--port", "0", "--tls-cert", cert.certFile], { root, env: { REFLEX_TLS_KEY: missing } }),
      2,
    );
    expect(unreadable).toBe(`reflex: cannot read the TLS key (--tls-key) ${missing}: no such file`);
    const tokens = join(dir, "tokens.json");
    writeFileSync(
      tokens,
      JSON.stringify({ tokens: [{ name: "ops", token: "cli-tls-admin-token-0123456789", admin: true }] }),
    );
    const plain = expectOneLineError(
      await reflex(["serve", "--host", "0.0.0.0", "--port", "0", "--tokens", tokens], { root }),
      2,
    );
    expect(plain).toContain("over plain http");
    expect(plain).toContain("--allow-plain-http");
  });

  test("--help names the TLS flags and the opt-out", async () => {
    const help = await reflex(["serve", "--help"]);
    expect(help.code).toBe(0);
    for (const text of ["--tls-cert FILE", "REFLEX_TLS_KEY", "--allow-plain-http", "REFLEX_ALLOW_PLAIN_HTTP"]) {
      expect(help.stdout).toContain(text);
    }
  });
});
