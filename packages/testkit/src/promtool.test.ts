import { describe, expect, test } from "bun:test";
import { promtoolCheck } from "./promtool.ts";

describe("promtoolCheck", () => {
  test("accepts a well-formed exposition and refuses a malformed one", async () => {
    const good = "# HELP up Whether it is up.\n# TYPE up gauge\nup 1\n";
    expect((await promtoolCheck(good)).code).toBe(0);
    const bad = await promtoolCheck("# TYPE up gauge\nup{ 1\n");
    expect(bad.code).not.toBe(0);
    expect(bad.output.length).toBeGreaterThan(0);
  });
});
