import { describe, expect, test } from "bun:test";
import { requestLog } from "./request-log.ts";

const record = {
  requestId: "abc-1",
  method: "POST",
  route: "/v1/chat/completions",
  status: 200,
  durationMs: 1.23456,
  outcome: "hit" as const,
  tenant: 18446744073709551615n,
  caller: "keyed",
};

describe("requestLog", () => {
  test("json: one object a line, the tenant as a decimal string", () => {
    const lines: string[] = [];
    requestLog("json", (line) => lines.push(line))(record);
    expect(lines).toHaveLength(1);
    const parsed = JSON.parse(lines[0] as string);
    expect(parsed).toMatchObject({
      request_id: "abc-1",
      route: "/v1/chat/completions",
      status: 200,
      duration_ms: 1.235,
      outcome: "hit",
      tenant: "18446744073709551615",
      caller: "keyed",
    });
  });

  test("text: the outcome and caller on the line", () => {
    const lines: string[] = [];
    requestLog("text", (line) => lines.push(line))({ ...record, outcome: undefined });
    expect(lines[0]).toMatch(/ POST \/v1\/chat\/completions 200 1\.2ms - keyed abc-1\n$/);
  });
});
