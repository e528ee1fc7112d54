import { describe, expect, test } from "bun:test";
import { ConfigError, DEFAULT_CONFIG, loadConfig, USAGE } from "./config.ts";
import { parseByteSize } from "./config-values.ts";

describe("loadConfig", () => {
  test("defaults run on a fresh clone: ./reflex-data, loopback, 8080, no tokens, 24 MiB bodies", () => {
    expect(loadConfig([], {})).toEqual(DEFAULT_CONFIG);
    expect(DEFAULT_CONFIG).toMatchObject({
      root: "./reflex-data",
      host: "127.0.0.1",
      port: 8080,
      tokensFile: undefined,
      maxBodyBytes: 24 * 1024 * 1024,
    });
  });

  test("--log-format, else REFLEX_LOG_FORMAT: text or json; absent, the server picks by TTY", () => {
    expect(loadConfig([], {}).logFormat).toBeUndefined();
    expect(loadConfig([], { REFLEX_LOG_FORMAT: "text" }).logFormat).toBe("text");
    expect(loadConfig(["--log-format", "JSON"], { REFLEX_LOG_FORMAT: "text" }).logFormat).toBe("json");
    expect(() => loadConfig(["--log-format=xml"], {})).toThrow("--log-format must be text or json");
    expect(() => loadConfig([], { REFLEX_LOG_FORMAT: "yaml" })).toThrow(ConfigError);
  });

  test("env, and flags over env", () => {
    const env = {
      REFLEX_ROOT: "/env/root",
      REFLEX_HOST: "0.0.0.0",
      REFLEX_PORT: "9000",
      REFLEX_TOKENS: "/env/tokens.json",
      REFLEX_MAX_BODY: "1MiB",
    };
    expect(loadConfig([], env)).toMatchObject({
      root: "/env/root",
      host: "0.0.0.0",
      port: 9000,
      tokensFile: "/env/tokens.json",
      maxBodyBytes: 1024 * 1024,
    });
    const flags = ["--root", "/f", "--host=::1", "--port", "0", "--tokens", "/t.json", "--max-body", "512k", "--quiet"];
    expect(loadConfig(flags, env)).toMatchObject({
      root: "/f",
      host: "::1",
      port: 0,
      tokensFile: "/t.json",
      maxBodyBytes: 512 * 1024,
      requestLog: false,
    });
  });

  test("empty env values count as unset", () => {
    expect(loadConfig([], { REFLEX_PORT: "", REFLEX_TOKENS: " " })).toEqual(DEFAULT_CONFIG);
  });

  test("--max-entry-bytes and REFLEX_MAX_ENTRY_BYTES", () => {
    expect(loadConfig(["--max-entry-bytes", "1MiB"], {}).maxEntryBytes).toBe(1024 * 1024);
    expect(loadConfig([], { REFLEX_MAX_ENTRY_BYTES: "4k" }).maxEntryBytes).toBe(4096);
    expect(() => loadConfig(["--max-entry-bytes", "0"], {})).toThrow(ConfigError);
  });

  test("--lookup-max-bytes and REFLEX_LOOKUP_MAX_BYTES bound the search index; unset leaves the core's default", () => {
    expect(loadConfig([], {}).lookupMaxBytes).toBeUndefined();
    expect(loadConfig([], { REFLEX_LOOKUP_MAX_BYTES: "2GiB" }).lookupMaxBytes).toBe(2 * 1024 ** 3);
    expect(loadConfig(["--lookup-max-bytes", "64M"], { REFLEX_LOOKUP_MAX_BYTES: "2GiB" }).lookupMaxBytes).toBe(
      64 * 1024 ** 2,
    );
    expect(() => loadConfig(["--lookup-max-bytes", "lots"], {})).toThrow(ConfigError);
  });

  test("--redis-when-replica-lost (or REFLEX_REDIS_WHEN_REPLICA_LOST): refuse or accept, on a cluster only, unset by default", () => {
    const cluster = ["--redis-cluster", "127.0.0.1:7000"];
    expect(loadConfig(cluster, {}).whenReplicaLost).toBeUndefined();
    expect(loadConfig([...cluster, "--redis-when-replica-lost", "accept"], {}).whenReplicaLost).toBe("accept");
    const env = { REFLEX_REDIS_WHEN_REPLICA_LOST: "refuse" };
    expect(loadConfig(cluster, env).whenReplicaLost).toBe("refuse");
    expect(loadConfig([...cluster, "--redis-when-replica-lost", "accept"], env).whenReplicaLost).toBe("accept");
    expect(() => loadConfig([...cluster, "--redis-when-replica-lost", "maybe"], {})).toThrow(
      '--redis-when-replica-lost must be refuse or accept, got "maybe"',
    );
    expect(() => loadConfig([], { REFLEX_REDIS_WHEN_REPLICA_LOST: "accept" })).toThrow(
      "REFLEX_REDIS_WHEN_REPLICA_LOST applies to a store on a Redis Cluster only (--redis-cluster)",
    );
    expect(USAGE).toContain("--redis-when-replica-lost refuse|accept");
  });

  test("--change-log-length and --change-log-poll-ms (or their env) tune the cluster's change logs; files refuse them", () => {
    const cluster = ["--redis-cluster", "127.0.0.1:7000"];
    expect(loadConfig(cluster, {}).changeLog).toBeUndefined();
    expect(loadConfig([...cluster, "--change-log-length", "5000", "--change-log-poll-ms", "0"], {}).changeLog).toEqual({
      changeLogLength: 5000,
      changeLogPollMs: 0,
    });
    const env = { REFLEX_CHANGE_LOG_LENGTH: "20", REFLEX_CHANGE_LOG_POLL_MS: "250" };
    expect(loadConfig(cluster, env).changeLog).toEqual({ changeLogLength: 20, changeLogPollMs: 250 });
    expect(loadConfig([...cluster, "--change-log-poll-ms", "50"], env).changeLog).toEqual({
      changeLogLength: 20,
      changeLogPollMs: 50,
    });
    expect(() => loadConfig([...cluster, "--change-log-length", "0"], {})).toThrow(
      "--change-log-length must be an integer in [1, 100000000]",
    );
    expect(() => loadConfig([...cluster, "--change-log-poll-ms", "-5"], {})).toThrow(ConfigError);
    expect(() => loadConfig(cluster, { REFLEX_CHANGE_LOG_POLL_MS: "soon" })).toThrow(
      "REFLEX_CHANGE_LOG_POLL_MS must be",
    );
    expect(() => loadConfig(["--change-log-length", "10"], {})).toThrow(
      "--change-log-length applies to a store on a Redis Cluster only (--redis-cluster)",
    );
    expect(() => loadConfig([], { REFLEX_CHANGE_LOG_POLL_MS: "10" })).toThrow(/REFLEX_CHANGE_LOG_POLL_MS applies/);
  });

  test("--help", () => {
    expect(loadConfig(["-h"], {}).help).toBe(true);
  });

  test("bad values are ConfigErrors naming the flag or variable", () => {
    expect(() => loadConfig(["--port", "70000"], {})).toThrow("--port must be a port number");
    expect(() => loadConfig([], { REFLEX_PORT: "-1" })).toThrow("REFLEX_PORT must be a port number");
    expect(() => loadConfig([], { REFLEX_MAX_BODY: "lots" })).toThrow("REFLEX_MAX_BODY must be a size");
    expect(() => loadConfig(["--nope"], {})).toThrow(ConfigError);
    expect(() => loadConfig(["stray"], {})).toThrow(ConfigError);
  });
});

describe("parseByteSize", () => {
  test("bytes and binary units, case-insensitive", () => {
    expect(parseByteSize("1048576", "x")).toBe(1048576);
    expect(parseByteSize("512K", "x")).toBe(512 * 1024);
    expect(parseByteSize("16MiB", "x")).toBe(16 * 1024 * 1024);
    expect(parseByteSize("2 mb", "x")).toBe(2 * 1024 * 1024);
    expect(parseByteSize("1g", "x")).toBe(1024 ** 3);
  });

  test("refuses zero, junk, fractions and sizes over 2^32-1", () => {
    for (const text of ["0", "", "1.5M", "-1", "10X", "4GiB", "1e6"]) {
      expect(() => parseByteSize(text, "--max-body")).toThrow(ConfigError);
    }
  });
});

describe("retention config", () => {
  test("bounds and TTL from flags, then env; unset stays unbounded", () => {
    expect(loadConfig([], {}).retention).toEqual({});
    const fromEnv = loadConfig([], {
      REFLEX_MAX_BYTES: "10GiB",
      REFLEX_MAX_ENTRIES: "1000000",
      REFLEX_TENANT_MAX_BYTES: "1GiB",
      REFLEX_TENANT_MAX_ENTRIES: "5000",
      REFLEX_DEFAULT_TTL: "86400",
    });
    expect(fromEnv.retention).toEqual({
      maxBytes: 10 * 1024 ** 3,
      maxEntries: 1_000_000,
      tenantMaxBytes: 1024 ** 3,
      tenantMaxEntries: 5000,
      defaultTtlSeconds: 86400,
    });
    const flags = loadConfig(["--tenant-max-entries", "7", "--default-ttl", "0"], { REFLEX_TENANT_MAX_ENTRIES: "9" });
    expect(flags.retention).toEqual({ tenantMaxEntries: 7, defaultTtlSeconds: 0 });
  });

  test("bad bounds are ConfigErrors naming the flag or variable", () => {
    expect(() => loadConfig(["--max-entries", "0"])).toThrow(/--max-entries/);
    expect(() => loadConfig([], { REFLEX_MAX_BYTES: "lots" })).toThrow(/REFLEX_MAX_BYTES/);
    expect(() => loadConfig(["--default-ttl", "-5"])).toThrow(/--default-ttl/);
    // the TTL grammar of ?ttl= and reflex put --ttl: canonical whole seconds, at most 10 digits
    expect(() => loadConfig(["--default-ttl", "007"])).toThrow("--default-ttl must be a whole number of seconds");
    expect(() => loadConfig([], { REFLEX_DEFAULT_TTL: "1.5" })).toThrow(/REFLEX_DEFAULT_TTL/);
    expect(() => loadConfig([], { REFLEX_DEFAULT_TTL: "10000000000" })).toThrow(ConfigError);
    expect(() => loadConfig(["--tenant-max-bytes", "1.5G"])).toThrow(ConfigError);
  });
});

describe("TLS config", () => {
  test("off by default; --tls-cert/--tls-key, REFLEX_TLS_CERT/REFLEX_TLS_KEY, the flag over the env", () => {
    expect(loadConfig([], {}).tls).toBeUndefined();
    expect(loadConfig([], {}).allowPlainHttp).toBeUndefined();
    const env = { REFLEX_TLS_CERT: "/env/cert.pem", REFLEX_TLS_KEY: "/env/key.pem" };
    expect(loadConfig([], env).tls).toEqual({ certFile: "/env/cert.pem", keyFile: "/env/key.pem" });
    expect(loadConfig(["--tls-cert", "/f/cert.pem", "--tls-key=/f/key.pem"], env).tls).toEqual({
      certFile: "/f/cert.pem",
      keyFile: "/f/key.pem",
    });
  });

  test("both or neither: one alone is a ConfigError", () => {
    expect(() => loadConfig(["--tls-cert", "/c.pem"], {})).toThrow(ConfigError);
    expect(() => loadConfig(["--tls-cert", "/c.pem"], {})).toThrow("https needs both the certificate and its key");
    expect(() => loadConfig([], { REFLEX_TLS_KEY: "/k.pem" })).toThrow("without --tls-cert FILE");
  });

  test("--allow-plain-http and REFLEX_ALLOW_PLAIN_HTTP", () => {
    expect(loadConfig(["--allow-plain-http"], {}).allowPlainHttp).toBe(true);
    expect(loadConfig([], { REFLEX_ALLOW_PLAIN_HTTP: "1" }).allowPlainHttp).toBe(true);
    expect(() => loadConfig(["--allow-plain-http=yes"], {})).toThrow(ConfigError);
  });
});

describe("a negative value", () => {
  test("gets the value's own error, not parseArgs' 'argument is ambiguous'", () => {
    expect(() => loadConfig(["--max-bytes", "-5"])).toThrow(
      '--max-bytes must be a size like 1048576, 512K or 16MiB, got "-5"',
    );
    expect(() => loadConfig(["--default-ttl", "-1"])).toThrow("--default-ttl must be a whole number of seconds");
    expect(() => loadConfig(["--port", "-1"])).toThrow("--port must be a port number");
  });
});
