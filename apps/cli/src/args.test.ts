import { describe, expect, test } from "bun:test";
import { type ArgsSpec, DEFAULT_ROOT, parseCommandArgs, parseCount, parseId, splitCommandLine } from "./args.ts";
import { isUsageError } from "./exit-codes.ts";

const spec: ArgsSpec = {
  command: "put",
  synopsis: "reflex put <tenant> <id> [--timestamp N] [--json]",
  options: { timestamp: { type: "string" }, json: { type: "boolean" } },
  positionals: ["tenant", "id"],
};

function usageMessage(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    if (isUsageError(error)) return error.message;
    throw error;
  }
  throw new Error("no usage error");
}

describe("splitCommandLine", () => {
  test("finds the command anywhere after global options, and --help / --version anywhere", () => {
    expect(splitCommandLine(["--root", "d", "get", "1", "2"])).toEqual({
      command: "get",
      rest: ["--root", "d", "1", "2"],
      help: false,
      version: false,
    });
    expect(splitCommandLine(["get", "--help"])).toMatchObject({ command: "get", help: true });
    expect(splitCommandLine(["-V"])).toMatchObject({ command: undefined, version: true });
    expect(splitCommandLine([])).toMatchObject({ command: undefined, help: false });
  });

  test("a negative number is a positional, not an option", () => {
    expect(splitCommandLine(["-1"])).toMatchObject({ command: "-1" });
  });
});

describe("parseCommandArgs", () => {
  test("parses options and positionals; --root beats REFLEX_ROOT beats the default", () => {
    const args = parseCommandArgs(spec, ["1", "2", "--json", "--timestamp", "-5"], { REFLEX_ROOT: "/env" });
    expect(args.positionals).toEqual(["1", "2"]);
    expect(args.flag("json")).toBe(true);
    expect(args.option("timestamp")).toBe("-5");
    expect(args.root).toBe("/env");
    expect(parseCommandArgs(spec, ["1", "2", "--root", "/flag"], { REFLEX_ROOT: "/env" }).root).toBe("/flag");
    expect(parseCommandArgs(spec, ["1", "2"], {}).root).toBe(DEFAULT_ROOT);
    expect(parseCommandArgs(spec, ["1", "2"], { REFLEX_ROOT: "" }).root).toBe(DEFAULT_ROOT);
  });

  test("negative numbers stay in place as positionals, for the id grammar to refuse", () => {
    expect(parseCommandArgs(spec, ["-1", "-18446744073709551616"], {}).positionals).toEqual([
      "-1",
      "-18446744073709551616",
    ]);
  });

  test("usage errors name the command and say what is wrong in one line", () => {
    expect(usageMessage(() => parseCommandArgs(spec, ["1"], {}))).toBe(
      "put: missing <id> (usage: reflex put <tenant> <id> [--timestamp N] [--json])",
    );
    expect(usageMessage(() => parseCommandArgs(spec, ["1", "2", "3"], {}))).toStartWith('put: unexpected argument "3"');
    expect(usageMessage(() => parseCommandArgs(spec, ["1", "2", "--nope"], {}))).toBe("put: unknown option '--nope'");
    expect(usageMessage(() => parseCommandArgs(spec, ["1", "2", "--timestamp"], {}))).toBe(
      "put: option '--timestamp <value>' argument missing",
    );
    expect(usageMessage(() => parseCommandArgs(spec, ["1", "2", "--json=1"], {}))).toBe(
      "put: option '--json' does not take an argument",
    );
    expect(usageMessage(() => parseCommandArgs(spec, ["1", "2", "--root="], {}).root)).toBe("--root must not be empty");
  });
});

describe("parseId and parseCount", () => {
  test("ids use the codec's u64 grammar", () => {
    expect(parseId("0", "tenant")).toBe(0n);
    expect(parseId("18446744073709551615", "tenant")).toBe(18446744073709551615n);
    for (const bad of ["-1", "01", "abc", "18446744073709551616", "", " 1", "1e3"]) {
      expect(() => parseId(bad, "tenant")).toThrow(/^tenant /);
    }
  });

  test("counts are non-negative safe integers", () => {
    expect(parseCount("10", "--limit")).toBe(10);
    for (const bad of ["-1", "1.5", "x", "99999999999999999999"]) {
      expect(usageMessage(() => parseCount(bad, "--limit"))).toStartWith("--limit must be a whole number >= 0");
    }
  });
});

describe("CommandArgs id helpers", () => {
  const withTenant: ArgsSpec = { ...spec, options: { ...spec.options, tenant: { type: "string" } } };

  test("entryAddress parses <tenant> <id>, reporting the tenant first", () => {
    expect(parseCommandArgs(spec, ["1", "42"], {}).entryAddress()).toEqual({ tenantId: 1n, entryId: 42n });
    expect(() => parseCommandArgs(spec, ["01", "x"], {}).entryAddress()).toThrow(/^tenant /);
    expect(() => parseCommandArgs(spec, ["1", "x"], {}).entryAddress()).toThrow(/^entry id /);
  });

  test("idOption is undefined when absent and names the flag when bad", () => {
    expect(parseCommandArgs(withTenant, ["1", "2"], {}).idOption("tenant")).toBeUndefined();
    expect(parseCommandArgs(withTenant, ["1", "2", "--tenant", "7"], {}).idOption("tenant")).toBe(7n);
    expect(() => parseCommandArgs(withTenant, ["1", "2", "--tenant=-1"], {}).idOption("tenant")).toThrow(/^--tenant /);
  });
});
