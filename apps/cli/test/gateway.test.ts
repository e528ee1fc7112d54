// `reflex gateway`: the real process, in front of the gateway's fake upstream (a process too).
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { type FakeUpstream, startFakeUpstream } from "@reflex/gateway/test-upstream";
import { removeTempDirs, selfSignedCert, tempDir } from "@reflex/testkit";
import { chat, startGatewayChild, waitStored } from "./gateway-helpers.ts";
import { expectOneLineError, reflex } from "./helpers.ts";

let upstream: FakeUpstream;
beforeAll(async () => {
  upstream = await startFakeUpstream();
});
afterAll(async () => {
  await upstream.stop();
});
afterEach(removeTempDirs);

const SECRET = "a secret for the CLI gateway tests";

describe("reflex gateway", () => {
  test("serves on a root: the second identical request is a hit; SIGTERM exits 0", async () => {
    const root = join(tempDir("reflex-cli-gw-"), "root");
    const env = { ...process.env, REFLEX_GATEWAY_SECRET: SECRET };
    const gateway = await startGatewayChild(["--port", "0", "--root", root, "--upstream", upstream.baseUrl], env);
    try {
      expect(gateway.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const before = (await upstream.calls()).chat;
      const first = await chat(gateway.url, "cli gateway one");
      expect([first.status, first.cache, first.content]).toEqual([200, "miss", "answer 1 to cli gateway one"]);
      await waitStored(gateway.url, 1);
      const second = await chat(gateway.url, "cli gateway one");
      expect([second.status, second.cache, second.content]).toEqual([200, "hit", first.content]);
      expect((await upstream.calls()).chat).toBe(before + 1);
      // One writer per root: the store server cannot open the gateway's root for writing.
      const serve = expectOneLineError(await reflex(["serve", "--port", "0"], { root }), 3);
      expect(serve).toContain("reflex gateway");
    } finally {
      expect(await gateway.stop()).toBe(0);
    }
  });

  test("binds 0.0.0.0 with a token file and TLS, announces https, serves over it", async () => {
    const dir = tempDir("reflex-cli-gw-tls-");
    const cert = selfSignedCert(dir);
    const tokens = join(dir, "tokens.json");
    const token = "cli-gateway-token-0123456789";
    writeFileSync(tokens, JSON.stringify({ tokens: [{ name: "app", token, tenants: ["5"] }] }));
    const args = ["--host", "0.0.0.0", "--port", "0", "--tokens", tokens, "--upstream", upstream.baseUrl];
    const gateway = await startGatewayChild(
      [...args, "--tls-cert", cert.certFile, "--tls-key", cert.keyFile, "--root", join(dir, "root")],
      { ...process.env },
    );
    try {
      expect(gateway.url).toMatch(/^https:\/\/0\.0\.0\.0:\d+$/);
      const url = `https://127.0.0.1:${new URL(gateway.url).port}`;
      const tls = { ca: cert.cert };
      const first = await chat(url, "cli gateway tls", { key: token, tls });
      expect([first.status, first.cache]).toEqual([200, "miss"]);
      await waitStored(url, 1, { tls });
      expect((await chat(url, "cli gateway tls", { key: token, tls })).cache).toBe("hit");
      expect((await chat(url, "cli gateway tls", { key: "not-a-token", tls })).status).toBe(401);
    } finally {
      expect(await gateway.stop()).toBe(0);
    }
  });

  test("refuses a non-loopback host without a token file, or without TLS; a bad flag: exit 2, one line", async () => {
    const root = join(tempDir("reflex-cli-gw-"), "root");
    const open = expectOneLineError(await reflex(["gateway", "--host", "0.0.0.0", "--port", "0"], { root }), 2);
    expect(open).toContain("without a token file");
    const plain = expectOneLineError(
      await reflex(["gateway", "--host", "0.0.0.0", "--port", "0", "--allow-network-pass-through"], { root }),
      2,
    );
    expect(plain).toContain("over plain http");
    const bad = expectOneLineError(await reflex(["gateway", "--port", "nope"], { root }), 2);
    expect(bad).toContain("--port");
    const both = expectOneLineError(await reflex(["gateway", "--redis-cluster", "127.0.0.1:1", "--root", root]), 2);
    expect(both).toContain("give one of them");
  });

  test("--help shows the server's flags and the gateway's own", async () => {
    const help = await reflex(["gateway", "--help"]);
    expect(help.code).toBe(0);
    for (const text of [
      "--host H",
      "--port P",
      "--root DIR",
      "--redis-cluster HOST:PORT",
      "--tls-cert FILE",
      "--tls-key FILE",
      "--upstream URL",
      "--secret TEXT",
      "--tokens FILE",
      "OPENAI_BASE_URL",
      "Exit status",
    ]) {
      expect(help.stdout).toContain(text);
    }
    expect((await reflex(["--help"])).stdout).toContain("gateway");
  });
});
