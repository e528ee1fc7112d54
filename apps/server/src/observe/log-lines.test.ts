import { describe, expect, test } from "bun:test";
import {
  formatJsonRecord,
  formatJsonRequest,
  formatTextError,
  formatTextRequest,
  type RequestRecord,
} from "./log-lines.ts";

const RECORD: RequestRecord = {
  requestId: "abc-1",
  method: "GET",
  route: "/v1/tenants/:tenant/entries/:id/payload",
  path: "/v1/tenants/18446744073709551615/entries/42/payload",
  status: 200,
  durationMs: 0.123456,
  tenant: 18446744073709551615n,
  principal: "app-1",
};

describe("log lines", () => {
  test("a JSON request line: one object, u64 tenant as a string, duration to the µs", () => {
    const line = formatJsonRequest(RECORD);
    expect(line.endsWith("\n")).toBe(true);
    expect(line.trimEnd()).not.toContain("\n");
    expect(JSON.parse(line)).toEqual({
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      level: "info",
      msg: "request",
      request_id: "abc-1",
      method: "GET",
      route: RECORD.route,
      path: RECORD.path,
      status: 200,
      duration_ms: 0.123,
      tenant: "18446744073709551615",
      principal: "app-1",
    });
  });

  test("a text request line: time, method, path, status, duration, principal, id", () => {
    expect(formatTextRequest({ ...RECORD, principal: undefined })).toMatch(
      /^\S+Z GET \/v1\/tenants\/18446744073709551615\/entries\/42\/payload 200 0\.1ms - abc-1\n$/,
    );
  });

  test("an error's stack is one JSON field (the cause's when there is one); text keeps it readable", () => {
    const error = new Error("disk on fire");
    const record = JSON.parse(formatJsonRecord("error", "reflex: GET /x failed", error));
    expect(record).toMatchObject({ level: "error", msg: "reflex: GET /x failed", error: "disk on fire" });
    expect(record.stack).toContain("disk on fire\n    at ");
    expect(formatJsonRecord("error", "m", error).trimEnd()).not.toContain("\n");
    const wrapped = new Error("load failed", { cause: new Error("EIO") });
    expect(JSON.parse(formatJsonRecord("error", "m", wrapped))).toMatchObject({ error: "load failed", cause: "EIO" });
    expect(JSON.parse(formatJsonRecord("info", "hello"))).toEqual({
      time: expect.any(String),
      level: "info",
      msg: "hello",
    });
    expect(formatTextError("m", wrapped)).toBe("m (cause: EIO)\n");
    expect(formatTextError("m", error)).toStartWith("m\nError: disk on fire\n");
    expect(formatTextError("m", "a string")).toBe("m: a string\n");
    expect(formatTextError("m")).toBe("m\n");
    expect(JSON.parse(formatJsonRecord("error", "m", error, "req-9")).request_id).toBe("req-9");
    expect(formatTextError("m", "x", "req-9")).toBe("m [request req-9]: x\n");
  });
});
