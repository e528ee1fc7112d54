import { describe, expect, test } from "bun:test";
import { isStoreError } from "@reflex/core";
import { parseSeeds, resolveRedisClusterOptions } from "./options.ts";

function invalid(action: () => unknown): boolean {
  try {
    action();
  } catch (error) {
    return isStoreError(error, "invalid_argument");
  }
  return false;
}

describe("parseSeeds", () => {
  test("takes a comma-separated string or a list, IPv6 in brackets", () => {
    expect(parseSeeds("127.0.0.1:7000, 127.0.0.1:7001")).toEqual([
      { host: "127.0.0.1", port: 7000 },
      { host: "127.0.0.1", port: 7001 },
    ]);
    expect(parseSeeds(["[::1]:7000"])).toEqual([{ host: "::1", port: 7000 }]);
  });

  test("refuses what is not HOST:PORT, and an empty list", () => {
    for (const bad of ["127.0.0.1", "host:0", "host:70000", ":7000", "", " , "]) {
      expect(invalid(() => parseSeeds(bad))).toBe(true);
    }
  });
});

describe("resolveRedisClusterOptions", () => {
  test("defaults: replicated, namespace reflex, a command timeout above the WAIT timeout", () => {
    const resolved = resolveRedisClusterOptions({ nodes: "127.0.0.1:7000" });
    expect([resolved.durability, resolved.namespace, resolved.buckets, resolved.replicaWaitMs]).toEqual([
      "replicated",
      "reflex",
      undefined,
      1000,
    ]);
    expect(resolved.commandTimeoutMs).toBeGreaterThan(resolved.replicaWaitMs);
    expect(resolveRedisClusterOptions({ nodes: "h:1", replicaWaitMs: 5000 }).commandTimeoutMs).toBe(6000);
  });

  test("the lookup's defaults: 1 GiB of index, logs of 1,000 records, a poll every 100 ms (0: none), 10 min idle", () => {
    const resolved = resolveRedisClusterOptions({ nodes: "h:1" });
    expect([
      resolved.lookupMaxBytes,
      resolved.changeLogLength,
      resolved.changeLogPollMs,
      resolved.lookupIdleMs,
    ]).toEqual([2 ** 30, 1000, 100, 600_000]);
    expect(resolveRedisClusterOptions({ nodes: "h:1", changeLogPollMs: 0 }).changeLogPollMs).toBe(0);
    expect(invalid(() => resolveRedisClusterOptions({ nodes: "h:1", changeLogLength: 0 }))).toBe(true);
    expect(invalid(() => resolveRedisClusterOptions({ nodes: "h:1", changeLogPollMs: -1 }))).toBe(true);
    expect(invalid(() => resolveRedisClusterOptions({ nodes: "h:1", lookup: { maxBytes: 1.5 } }))).toBe(true);
  });

  test("retention and lookup take NvmeStorage's shape; size bounds are refused (Redis maxmemory bounds a cluster)", () => {
    const resolved = resolveRedisClusterOptions({
      nodes: "h:1",
      retention: { defaultTtlSeconds: 60 },
      lookup: { maxBytes: 4096 },
    });
    expect([resolved.defaultTtlSeconds, resolved.lookupMaxBytes]).toEqual([60, 4096]);
    expect(invalid(() => resolveRedisClusterOptions({ nodes: "h:1", retention: { maxEntries: 10 } }))).toBe(true);
    expect(invalid(() => resolveRedisClusterOptions({ nodes: "h:1", retention: { defaultTtlSeconds: -1 } }))).toBe(
      true,
    );
  });

  test("refuses bad values by name", () => {
    expect(invalid(() => resolveRedisClusterOptions({ nodes: "h:1", namespace: "a b" }))).toBe(true);
    expect(invalid(() => resolveRedisClusterOptions({ nodes: "h:1", buckets: 0 }))).toBe(true);
    const bad = { nodes: "h:1", durability: "fsync" } as unknown as Parameters<typeof resolveRedisClusterOptions>[0];
    expect(invalid(() => resolveRedisClusterOptions(bad))).toBe(true);
    const lost = { nodes: "h:1", whenReplicaLost: "ignore" } as unknown as Parameters<
      typeof resolveRedisClusterOptions
    >[0];
    expect(invalid(() => resolveRedisClusterOptions(lost))).toBe(true);
  });

  test("whenReplicaLost: refuse unless accept is asked for", () => {
    expect(resolveRedisClusterOptions({ nodes: "h:1" }).whenReplicaLost).toBe("refuse");
    expect(resolveRedisClusterOptions({ nodes: "h:1", whenReplicaLost: "accept" }).whenReplicaLost).toBe("accept");
  });
});
