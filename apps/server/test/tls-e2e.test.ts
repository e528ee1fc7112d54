// https on a real Bun.serve: a self-signed certificate made here, an ephemeral port, and
// connections to 127.0.0.1 only (a wildcard bind is reached through loopback).
import { afterEach, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { removeTempDirs, type SelfSignedCert, selfSignedCert, spawnScript, tempDir } from "@reflex/testkit";
import { ConfigError, DEFAULT_CONFIG, type ServerConfig } from "../src/config/config.ts";
import { type RunningServer, startServer } from "../src/server.ts";
import { removeTestDirs, TOKENS } from "./helpers.ts";
import { startTokenServer } from "./token-server.ts";

afterEach(removeTestDirs);

const MAIN = join(import.meta.dir, "..", "src", "main.ts");
const running: RunningServer[] = [];
afterEach(async () => {
  for (const server of running.splice(0)) await server.shutdown();
  removeTempDirs();
});

interface Started {
  readonly server: RunningServer;
  readonly cert: SelfSignedCert;
  /** The server's URL with 127.0.0.1 as its host (whatever it bound). */
  readonly url: string;
  readonly lines: string[];
}

/** A server with tokens and a fresh certificate; `overrides` change its config. */
async function start(overrides: Partial<ServerConfig> = {}): Promise<Started> {
  const dir = tempDir("reflex-tls-e2e-");
  const cert = selfSignedCert(dir);
  const lines: string[] = [];
  const server = await startTokenServer(
    dir,
    { tls: { certFile: cert.certFile, keyFile: cert.keyFile }, ...overrides },
    { logger: { info: (line) => lines.push(line), error: (line) => lines.push(line) } },
  );
  running.push(server);
  const url = new URL(server.url);
  return { server, cert, url: `${url.protocol}//127.0.0.1:${url.port}`, lines };
}

const bearer = (token: string, headers: Record<string, string> = {}) => ({
  Authorization: `Bearer ${token}`,
  ...headers,
});

/** The error a fetch rejects with (fails the test when it resolves). */
async function fetchError(promise: Promise<Response>): Promise<Error & { code?: string }> {
  let response: Response;
  try {
    response = await promise;
  } catch (error) {
    return error as Error & { code?: string };
  }
  throw new Error(`expected the fetch to fail, got HTTP ${response.status}`);
}

describe("https with a certificate and key", () => {
  test("announces https; with the CA a PUT/GET round trip works, and the token is still required", async () => {
    const { server, cert, url } = await start();
    expect(server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const tls = { ca: cert.cert };
    expect((await fetch(`${url}/healthz`, { tls })).status).toBe(200);
    const body = JSON.stringify({ contextHash: "7", timestamp: "1700000000", payloadBlob: btoa("over tls") });
    const path = `${url}/v1/tenants/1/entries/42`;
    const unauthorized = await fetch(path, {
      method: "PUT",
      body,
      headers: { "Content-Type": "application/json" },
      tls,
    });
    expect(unauthorized.status).toBe(401);
    const put = await fetch(path, {
      method: "PUT",
      body,
      headers: bearer(TOKENS.tenant1, { "Content-Type": "application/json" }),
      tls,
    });
    expect(put.status).toBe(201);
    const got = await fetch(`${path}/payload`, { headers: bearer(TOKENS.tenant1), tls });
    expect(got.status).toBe(200);
    expect(await got.text()).toBe("over tls");
    expect((await fetch(`${path}/payload`, { headers: bearer(TOKENS.tenant2), tls })).status).toBe(403);
  });

  test("plain http to the TLS port fails; without the CA the certificate is refused", async () => {
    const { url } = await start();
    const plain = await fetchError(fetch(`${url.replace("https:", "http:")}/healthz`));
    expect(plain.code).toBe("ECONNRESET");
    const untrusted = await fetchError(fetch(`${url}/healthz`));
    expect(untrusted.code).toBe("DEPTH_ZERO_SELF_SIGNED_CERT");
    // A certificate of another CA does not vouch for this one either.
    const other = selfSignedCert(tempDir("reflex-tls-other-"), "other");
    const wrongCa = await fetchError(fetch(`${url}/healthz`, { tls: { ca: other.cert } }));
    expect(wrongCa.code).toBe("DEPTH_ZERO_SELF_SIGNED_CERT");
  });

  test("a bad certificate or key fails the start with a ConfigError naming the file, before the store opens", async () => {
    const dir = tempDir("reflex-tls-bad-");
    const a = selfSignedCert(dir, "a");
    const b = selfSignedCert(dir, "b");
    const root = join(dir, "root");
    const config = { ...DEFAULT_CONFIG, root, port: 0, requestLog: false };
    const mismatch = startServer({ ...config, tls: { certFile: a.certFile, keyFile: b.keyFile } });
    await expect(mismatch).rejects.toThrow(ConfigError);
    await expect(mismatch).rejects.toThrow(`the TLS key ${b.keyFile} does not belong to the certificate ${a.certFile}`);
    const missing = join(dir, "missing.pem");
    await expect(startServer({ ...config, tls: { certFile: missing, keyFile: a.keyFile } })).rejects.toThrow(
      `cannot read the TLS certificate (--tls-cert) ${missing}: no such file`,
    );
    // Nothing was opened: the root was never created, so no writer lock is left behind.
    expect(existsSync(root)).toBe(false);
    const good = await startServer(
      { ...config, tls: { certFile: a.certFile, keyFile: a.keyFile } },
      { logger: { info() {}, error() {} } },
    );
    running.push(good);
    expect(good.url).toStartWith("https://");
  });
});

describe("binding a non-loopback host", () => {
  test("tokens without TLS are refused with what to set", async () => {
    const promise = start({ host: "0.0.0.0", tls: undefined });
    await expect(promise).rejects.toThrow(ConfigError);
    await expect(promise).rejects.toThrow("refusing to listen on 0.0.0.0 over plain http");
    await expect(promise).rejects.toThrow("--allow-plain-http");
  });

  test("tokens and TLS bind 0.0.0.0 (reached here over 127.0.0.1)", async () => {
    const { server, cert, url } = await start({ host: "0.0.0.0" });
    expect(server.url).toMatch(/^https:\/\/0\.0\.0\.0:\d+$/);
    expect((await fetch(`${url}/healthz`, { tls: { ca: cert.cert } })).status).toBe(200);
    expect((await fetch(`${url}/v1/stats`, { tls: { ca: cert.cert } })).status).toBe(401);
    expect((await fetch(`${url}/v1/stats`, { headers: bearer(TOKENS.admin), tls: { ca: cert.cert } })).status).toBe(
      200,
    );
  });

  test("tokens and --allow-plain-http bind 0.0.0.0 over http, with a warning", async () => {
    const { server, url, lines } = await start({ host: "0.0.0.0", tls: undefined, allowPlainHttp: true });
    expect(server.url).toStartWith("http://");
    expect((await fetch(`${url}/v1/stats`)).status).toBe(401);
    expect((await fetch(`${url}/v1/stats`, { headers: bearer(TOKENS.admin) })).status).toBe(200);
    expect(lines).toContain(
      "reflex: plain http on 0.0.0.0 (--allow-plain-http): only safe behind a proxy that terminates TLS",
    );
  });
});

describe("bun src/main.ts with REFLEX_TLS_CERT/REFLEX_TLS_KEY", () => {
  test("prints an https URL first, serves over it, and exits 0 on SIGTERM", async () => {
    const dir = tempDir("reflex-tls-main-");
    const cert = selfSignedCert(dir);
    const child = spawnScript(MAIN, ["--port", "0", "--root", join(dir, "root"), "--quiet"], {
      env: { ...process.env, REFLEX_TLS_CERT: cert.certFile, REFLEX_TLS_KEY: cert.keyFile },
    });
    const line = await child.waitFor((text) => text.startsWith("reflex listening on "));
    expect(line).toMatch(/^reflex listening on https:\/\/127\.0\.0\.1:\d+$/);
    expect(child.lines[0]).toBe(line);
    const url = line.slice("reflex listening on ".length);
    expect((await fetch(`${url}/healthz`, { tls: { ca: cert.cert } })).status).toBe(200);
    child.process.kill("SIGTERM");
    expect(await child.process.exited).toBe(0);
  });

  test("a key of another certificate: exit 2, one line naming the file, no stack trace", async () => {
    const dir = tempDir("reflex-tls-main-");
    const a = selfSignedCert(dir, "a");
    const b = selfSignedCert(dir, "b");
    const child = spawnScript(MAIN, ["--port", "0", "--root", join(dir, "root"), "--tls-cert", a.certFile], {
      env: { ...process.env, REFLEX_TLS_KEY: b.keyFile },
    });
    expect(await child.process.exited).toBe(2);
    expect(await child.stderr()).toBe(
      `reflex: the TLS key ${b.keyFile} does not belong to the certificate ${a.certFile}\n`,
    );
    expect(await child.stdoutClosed).toBe("");
  });
});
