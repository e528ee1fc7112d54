import { afterEach, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { removeTempDirs, tempDir } from "@reflex/testkit";
import { DEFAULT_GATEWAY_CONFIG, loadGatewayConfig } from "./config.ts";

afterEach(removeTempDirs);

function failure(run: () => unknown): Error {
  try {
    run();
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected a failure");
}

describe("loadGatewayConfig", () => {
  test("no flags and no env give the defaults", () => {
    expect(loadGatewayConfig([], {})).toEqual(DEFAULT_GATEWAY_CONFIG);
    expect(DEFAULT_GATEWAY_CONFIG.upstream).toBe("https://api.openai.com/v1");
  });

  test("flags win over env", () => {
    const config = loadGatewayConfig(["--upstream", "http://127.0.0.1:9/v1", "--port", "0", "--no-cache-sampled"], {
      REFLEX_UPSTREAM: "http://127.0.0.1:1/v1",
      REFLEX_ROOT: "/tmp/x",
      REFLEX_DEFAULT_TTL: "60",
    });
    expect(config.upstream).toBe("http://127.0.0.1:9/v1");
    expect(config.port).toBe(0);
    expect(config.root).toBe("/tmp/x");
    expect(config.cacheSampled).toBe(false);
    expect(config.defaultTtlSeconds).toBe(60);
  });

  test("reads the secret and the upstream key from files", () => {
    const dir = tempDir();
    writeFileSync(join(dir, "secret"), "a secret of at least sixteen chars\n");
    writeFileSync(join(dir, "key"), "sk-upstream\n");
    const config = loadGatewayConfig(
      ["--secret-file", join(dir, "secret"), "--upstream-key-file", join(dir, "key")],
      {},
    );
    expect(new TextDecoder().decode(config.secret)).toBe("a secret of at least sixteen chars");
    expect(config.upstreamKey).toBe("sk-upstream");
  });

  test("refuses unknown flags and bad values", () => {
    expect(failure(() => loadGatewayConfig(["--nope"], {})).name).toBe("ReflexConfigError");
    expect(failure(() => loadGatewayConfig(["--upstream", "ftp://x"], {})).message).toContain("--upstream");
    expect(failure(() => loadGatewayConfig(["--default-ttl", "-5"], {})).message).toContain("--default-ttl");
    expect(failure(() => loadGatewayConfig(["--secret", "short"], {})).message).toContain("16");
    expect(failure(() => loadGatewayConfig(["--port", "70000"], {})).message).toContain("--port");
    expect(failure(() => loadGatewayConfig(["--max-body", "lots"], {})).message).toContain("--max-body");
  });
});
