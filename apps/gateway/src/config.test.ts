import { afterEach, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { removeTempDirs, tempDir, thrownBy } from "@reflex/testkit";
import { DEFAULT_GATEWAY_CONFIG, loadGatewayConfig } from "./config.ts";

afterEach(removeTempDirs);

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
    expect(thrownBy(() => loadGatewayConfig(["--nope"], {})).name).toBe("ReflexConfigError");
    expect(thrownBy(() => loadGatewayConfig(["--upstream", "ftp://x"], {})).message).toContain("--upstream");
    expect(thrownBy(() => loadGatewayConfig(["--default-ttl", "-5"], {})).message).toContain("--default-ttl");
    expect(thrownBy(() => loadGatewayConfig(["--secret", "short"], {})).message).toContain("16");
    expect(thrownBy(() => loadGatewayConfig(["--port", "70000"], {})).message).toContain("--port");
    expect(thrownBy(() => loadGatewayConfig(["--max-body", "lots"], {})).message).toContain("--max-body");
  });

  test("--redis-cluster (or REFLEX_REDIS_CLUSTER) names the cluster; with --root it is refused", () => {
    expect(loadGatewayConfig(["--redis-cluster", "127.0.0.1:7000,127.0.0.1:7001"], {}).redisCluster).toBe(
      "127.0.0.1:7000,127.0.0.1:7001",
    );
    expect(loadGatewayConfig([], { REFLEX_REDIS_CLUSTER: "127.0.0.1:7000" }).redisCluster).toBe("127.0.0.1:7000");
    expect(
      thrownBy(() => loadGatewayConfig(["--root", "d", "--redis-cluster", "127.0.0.1:7000"], {})).message,
    ).toContain("give one of them");
  });

  test("TLS flags as the server reads them: both files or neither, env too; the opt-outs", () => {
    const config = loadGatewayConfig(["--tls-cert", "c.pem", "--tls-key", "k.pem", "--allow-plain-http"], {});
    expect(config.tls).toEqual({ certFile: "c.pem", keyFile: "k.pem" });
    expect(config.allowPlainHttp).toBe(true);
    expect(loadGatewayConfig([], { REFLEX_TLS_CERT: "c", REFLEX_TLS_KEY: "k" }).tls).toEqual({
      certFile: "c",
      keyFile: "k",
    });
    expect(thrownBy(() => loadGatewayConfig(["--tls-cert", "c.pem"], {})).message).toContain("--tls-key");
    expect(loadGatewayConfig(["--allow-network-pass-through"], {}).allowNetworkPassThrough).toBe(true);
    expect(loadGatewayConfig(["-h"], {}).help).toBe(true);
  });
});
