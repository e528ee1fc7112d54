import { describe, expect, test } from "bun:test";
import { readError, unconfirmedError, unlistedError, writeError } from "./redis-errors.ts";

function reply(message: string): Error {
  const error = new Error(message);
  error.name = "ReplyError";
  return error;
}

describe("write errors", () => {
  test("refusals Redis sends before running the script: nothing was applied", () => {
    expect(writeError("store", reply("DEGRADED the shard has no online replica")).code).toBe("degraded");
    const full = writeError("store", reply("OOM command not allowed when used memory > 'maxmemory'."));
    expect([full.code, full.reason]).toEqual(["storage_unavailable", "out_of_memory"]);
    expect(writeError("store", reply("CLUSTERDOWN The cluster is down")).code).toBe("storage_unavailable");
  });

  test("a lost connection or a timeout may have applied it: outcome_unknown", () => {
    expect(writeError("store", new Error("Connection is closed.")).code).toBe("outcome_unknown");
    expect(writeError("store", new Error("Command timed out")).code).toBe("outcome_unknown");
    expect(unconfirmedError("store", 1000).message).toContain("1000 ms");
  });

  test("a stored write whose tenant-set add failed is outcome_unknown, whatever the add's refusal said", () => {
    const refused = writeError("adding tenant 7", reply("CLUSTERDOWN The cluster is down"));
    expect(refused.code).toBe("storage_unavailable");
    const error = unlistedError("store of entry 1 of tenant 7", 7n, refused);
    expect([error.code, error.cause]).toEqual(["outcome_unknown", refused]);
    expect(error.message).toContain("was applied");
  });

  test("reads fail as storage_unavailable", () => {
    expect(readError("load", new Error("Command timed out")).code).toBe("storage_unavailable");
  });
});
