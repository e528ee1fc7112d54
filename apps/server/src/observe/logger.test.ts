import { describe, expect, test } from "bun:test";
import { createLogger, defaultLogFormat, type Logger, notice } from "./logger.ts";

function captured(format: "text" | "json") {
  const out: string[] = [];
  const err: string[] = [];
  const logger = createLogger(format, {
    stdout: { write: (t: string) => out.push(t) },
    stderr: { write: (t: string) => err.push(t) },
  });
  return { logger, out, err };
}

const REQUEST = {
  requestId: "id-1",
  method: "PUT",
  route: "/v1/tenants/:tenant/entries/:id",
  path: "/v1/tenants/1/entries/2",
  status: 201,
  durationMs: 1.5,
  tenant: 1n,
  principal: "t1",
};

describe("createLogger", () => {
  test("json: requests and info on stdout, notices and errors on stderr, each one JSON object", async () => {
    const { logger, out, err } = captured("json");
    logger.request?.(REQUEST);
    logger.request?.({ ...REQUEST, requestId: "id-2" });
    logger.notice?.("reflex: reloaded 2 token(s)");
    logger.error("reflex: boom", new Error("boom"));
    await Bun.sleep(30); // request lines go out every 10 ms
    const stdout = out
      .join("")
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(stdout.map((r) => r.request_id)).toEqual(["id-1", "id-2"]);
    const stderr = err
      .join("")
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(stderr.map((r) => [r.level, r.msg])).toEqual([
      ["info", "reflex: reloaded 2 token(s)"],
      ["error", "reflex: boom"],
    ]);
    expect(stderr[1].stack).toContain("Error: boom");
  });

  test("text: the old line shapes; info flushes pending request lines first (order kept)", () => {
    const { logger, out, err } = captured("text");
    logger.request?.(REQUEST);
    logger.info("hello");
    logger.notice?.("reflex: stopped");
    expect(out.join("")).toMatch(/^\S+Z PUT \/v1\/tenants\/1\/entries\/2 201 1\.5ms t1 id-1\nhello\n$/);
    expect(err).toEqual(["reflex: stopped\n"]);
  });

  test("json unless stdout is a terminal; notice() falls back to error() for loggers without it", () => {
    expect(defaultLogFormat(true)).toBe("text");
    expect(defaultLogFormat(false)).toBe("json");
    expect(defaultLogFormat(undefined)).toBe("json");
    const lines: string[] = [];
    const plain: Logger = { info() {}, error: (msg) => lines.push(msg) };
    notice(plain, "reflex: SIGTERM");
    expect(lines).toEqual(["reflex: SIGTERM"]);
  });
});
