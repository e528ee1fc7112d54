import { afterEach, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { type EntryStore, NvmeStorage, StoreError } from "@reflex/core";
import { call, entryJson, errorOf, removeTestDirs, tempDir, tempStore } from "../test/helpers.ts";
import { createApp } from "./app.ts";

afterEach(removeTestDirs);

/** A store whose every method throws `error`. */
function throwingStore(error: unknown): EntryStore {
  const real = tempStore();
  return new Proxy(real, {
    get(target, property) {
      if (property === "storagePath") return target.storagePath;
      return () => {
        throw error;
      };
    },
  });
}

function recordingLogger() {
  const errors: string[] = [];
  const error = (msg: string, cause?: unknown) => errors.push(`${msg} ${cause instanceof Error ? cause.stack : ""}`);
  return { logger: { info() {}, error }, errors };
}

describe("onError maps core errors to statuses", () => {
  const cases: [StoreError, number, string][] = [
    [new StoreError("not_found", "entry 1 of tenant 1 not found"), 404, "not_found"],
    [new StoreError("invalid_argument", "entry id -1 is outside [0, 2^64-1]"), 400, "bad_request"],
    [new StoreError("serialization", "entry body too large"), 400, "invalid_body"],
    [
      new StoreError("corrupt", "/data/1/1.rfx is corrupt: bad", { reason: "checksum_mismatch" }),
      500,
      "data_corrupted",
    ],
    [
      new StoreError("storage_unavailable", "cannot create storage root /data: EACCES", { errno: "EACCES" }),
      503,
      "storage_unavailable",
    ],
    [
      new StoreError("tenant_dir_creation_failed", "cannot create /data/1: EROFS", { errno: "EROFS" }),
      503,
      "storage_unavailable",
    ],
    [new StoreError("io", "write /data/1/x.tmp failed: ENOSPC", { errno: "ENOSPC" }), 503, "storage_unavailable"],
    [new StoreError("io", "read /data/1/1.rfx failed: EIO", { errno: "EIO" }), 500, "internal_error"],
    [new StoreError("released", "entry handle used after release()"), 500, "internal_error"],
    [new StoreError("outcome_unknown", "no reply from 127.0.0.1:7000 in 3000 ms"), 503, "outcome_unknown"],
    [new StoreError("degraded", "the shard has no replica"), 503, "degraded"],
    [new StoreError("unsupported", "cleanup has no meaning on Redis Cluster"), 501, "unsupported"],
  ];
  for (const [error, status, code] of cases) {
    test(`${error.code}${error.errno ? ` ${error.errno}` : ""} -> ${status} ${code}`, async () => {
      const { logger, errors } = recordingLogger();
      const app = createApp(throwingStore(error), { logger });
      for (const [method, path, json] of [
        ["GET", "/v1/tenants/1/entries/1", undefined],
        ["PUT", "/v1/tenants/1/entries/1", entryJson("1")],
        ["GET", "/v1/stats", undefined],
      ] as const) {
        const res = await call(app, method, path, json === undefined ? {} : { json });
        expect(res.status).toBe(status);
        const body = await errorOf(res);
        expect(body.code).toBe(code);
        if (status >= 500) {
          expect(body.message).not.toContain("/data"); // no server paths in 5xx messages
          expect(errors.some((line) => line.includes(error.message))).toBe(true); // but in the server log
        }
      }
    });
  }

  test("the corrupt reason and the errno reach the client", async () => {
    const corrupt = createApp(throwingStore(new StoreError("corrupt", "x", { reason: "truncated" })));
    expect((await errorOf(await call(corrupt, "GET", "/v1/tenants/1/entries/1"))).message).toContain("truncated");
    const full = createApp(throwingStore(new StoreError("io", "x", { errno: "ENOSPC" })));
    expect((await errorOf(await call(full, "GET", "/v1/tenants/1/entries/1"))).message).toContain("ENOSPC");
  });

  test("anything else is a 500 with a fixed message, never the error or its stack", async () => {
    const { logger, errors } = recordingLogger();
    const app = createApp(throwingStore(new TypeError("cannot read properties of undefined (secret)")), { logger });
    const res = await call(app, "GET", "/v1/tenants/1/entries/1");
    expect(res.status).toBe(500);
    expect(await errorOf(res)).toEqual({ code: "internal_error", message: "internal server error" });
    expect(errors.join("\n")).toContain("secret");
    const thrownString = createApp(throwingStore("a string"));
    expect((await call(thrownString, "GET", "/v1/tenants")).status).toBe(500);
  });

  test("a storage root that is a file: 503 on write", async () => {
    const file = join(tempDir(), "not-a-dir");
    writeFileSync(file, "x");
    const app = createApp(new NvmeStorage(file, { sweepTempFiles: false }));
    const res = await call(app, "PUT", "/v1/tenants/1/entries/1", { json: entryJson("1") });
    expect(res.status).toBe(503);
    expect((await errorOf(res)).code).toBe("storage_unavailable");
  });
});
