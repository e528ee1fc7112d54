// Help, version and usage errors: exit 2 with one line on stderr, never a stack trace.
import { afterAll, describe, expect, test } from "bun:test";
import packageJson from "../package.json" with { type: "json" };
import { expectOneLineError, reflex, reflexAll, removeTempRoots, tempRoot } from "./helpers.ts";

afterAll(removeTempRoots);

const COMMANDS = ["put", "get", "rm", "exists", "ls", "stats", "cleanup", "verify", "export", "import"];

describe("help and version", () => {
  test("--version and -V print the package version", async () => {
    for (const args of [["--version"], ["-V"], ["ls", "--version"]]) {
      const result = await reflex(args);
      expect(result).toMatchObject({ code: 0, stdout: `reflex ${packageJson.version}\n`, stderr: "" });
    }
  });

  test("--help lists every command and the exit codes", async () => {
    const result = await reflex(["--help"]);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe("");
    for (const command of COMMANDS) expect(result.stdout).toMatch(new RegExp(`^  ${command} `, "m"));
    expect(result.stdout).toContain("Exit status: 0 ok, 1 not found or check failed, 2 usage error, 3 storage error");
  });

  test("--help on every command exits 0 with its usage, even without its arguments", async () => {
    const results = await reflexAll(COMMANDS.map((command) => ({ args: [command, "--help"] })));
    results.forEach((result, i) => {
      expect(result.code).toBe(0);
      expect(result.stderr).toBe("");
      expect(result.stdout.startsWith(`Usage: reflex ${COMMANDS[i]}`)).toBe(true);
      expect(result.stdout).toContain("--root DIR");
      expect(result.stdout).toContain("Exit status:");
    });
  });

  test("-h, help <command> and --help before the command work too", async () => {
    const [short, word, before] = await Promise.all([
      reflex(["get", "-h"]),
      reflex(["help", "get"]),
      reflex(["--help", "get"]),
    ]);
    for (const result of [short, word, before]) {
      expect(result.code).toBe(0);
      expect(result.stdout.startsWith("Usage: reflex get <tenant> <id>")).toBe(true);
    }
  });
});

describe("usage errors exit 2 with one line on stderr", () => {
  test("no command, unknown command, unknown option", async () => {
    const root = tempRoot();
    const [none, unknown, option, serve] = await Promise.all([
      reflex([], { root }),
      reflex(["frobnicate"], { root }),
      reflex(["ls", "--bogus"], { root }),
      reflex(["get", "1", "2", "--json=yes"], { root }),
    ]);
    expect(expectOneLineError(none, 2)).toContain("missing command");
    expect(expectOneLineError(unknown, 2)).toBe(
      'reflex: unknown command "frobnicate" (commands: put, get, rm, touch, rm-tenant, exists, ls, search, stats, cleanup, verify, gc, export, import, serve, gateway; see reflex --help)',
    );
    expect(expectOneLineError(option, 2)).toBe("reflex: ls: unknown option '--bogus'");
    expect(expectOneLineError(serve, 2)).toContain("--json");
  });

  test("missing and extra arguments", async () => {
    const root = tempRoot();
    const cases: [string[], string][] = [
      [["get", "1"], "reflex: get: missing <id> (usage: reflex get <tenant> <id> [<id>...] [--json | --payload])"],
      [["get"], "reflex: get: missing <tenant> <id>"],
      [["put"], "reflex: put: missing <tenant> <id>"],
      [["rm", "1"], "reflex: rm: missing <id>"],
      [["exists"], "reflex: exists: missing <tenant> <id>"],
      // `get 1 2 3` is a batch read of ids 2 and 3 now: rm still takes exactly one id.
      [["rm", "1", "2", "3"], 'reflex: rm: unexpected argument "3"'],
      [["stats", "x"], 'reflex: stats: unexpected argument "x"'],
      [["verify", "--tenant"], "reflex: verify: option '--tenant <value>' argument missing"],
    ];
    const results = await reflexAll(cases.map(([args]) => ({ args, options: { root } })));
    results.forEach((result, i) => {
      expect(expectOneLineError(result, 2)).toStartWith(cases[i]?.[1] ?? "?");
    });
  });

  test("bad ids are refused with the codec's message, in every id position", async () => {
    const root = tempRoot();
    const bad = ["-1", "01", "abc", "18446744073709551616", "1.5", " 1", "+1", "", "0x10"];
    const runs = [
      ...bad.flatMap((id) => [
        { args: ["get", id, "1"], what: "tenant" },
        { args: ["get", "1", id], what: "entry id" },
      ]),
      { args: ["rm", "1", "-1"], what: "entry id" },
      { args: ["exists", "-1", "1"], what: "tenant" },
      { args: ["put", "1", "01"], what: "entry id" },
      { args: ["ls", "abc"], what: "tenant" },
      { args: ["ls", "1", "--after=-1"], what: "--after" },
      { args: ["verify", "--tenant=18446744073709551616"], what: "--tenant" },
      { args: ["export", "--tenant", "-1"], what: "--tenant" },
      { args: ["put", "1", "1", "--context-hash=-1"], what: "--context-hash" },
    ];
    const results = await reflexAll(runs.map((run) => ({ args: run.args, options: { root } })));
    results.forEach((result, i) => {
      expect(expectOneLineError(result, 2)).toStartWith(`reflex: ${runs[i]?.what} `);
    });
    expect(results[0]?.stderr).toBe(
      'reflex: tenant must be a decimal integer in [0, 18446744073709551615] without sign or leading zeros, got "-1"\n',
    );
    expect(results[2 * bad.indexOf("18446744073709551616") + 1]?.stderr).toBe(
      "reflex: entry id 18446744073709551616 is larger than 2^64-1\n",
    );
    // Nothing was written by any of them.
    expect((await reflex(["ls"], { root })).stdout).toBe("");
  }, 30_000); // two CLI processes per bad id: 4 s alone, over 5 s on a loaded machine

  test("the id range ends are valid ids", async () => {
    const root = tempRoot();
    const max = "18446744073709551615";
    expect((await reflex(["put", max, "0", "--payload", "-"], { root, stdin: "x" })).code).toBe(0);
    expect((await reflex(["put", "0", max], { root })).code).toBe(0);
    const [a, b] = await Promise.all([
      reflex(["get", max, "0", "--payload"], { root }),
      reflex(["exists", "0", max], { root }),
    ]);
    expect(a).toMatchObject({ code: 0, stdout: "x" });
    expect(b.code).toBe(0);
  });

  test("bad option values", async () => {
    const root = tempRoot();
    const cases: [string[], string][] = [
      [["get", "1", "2", "--json", "--payload"], "reflex: get: --json and --payload cannot be used together"],
      [["ls", "--limit", "0"], 'reflex: ls: --limit must be a whole number >= 1, got "0"'],
      [["ls", "--limit", "ten"], 'reflex: ls: --limit must be a whole number >= 1, got "ten"'],
      [["put", "1", "2", "--timestamp", "soon"], "reflex: --timestamp must be a decimal integer in [-2^63, 2^63-1]"],
      [["put", "1", "2", "--timestamp", "9223372036854775808"], "reflex: --timestamp 9223372036854775808 is outside"],
      [
        ["put", "1", "2", "--payload", "/nonexistent/x"],
        'reflex: put: cannot read --payload file "/nonexistent/x": ENOENT',
      ],
      [["put", "1", "2", "--payload", "-", "--embedding", "-"], "reflex: put: stdin can feed --payload or --embedding"],
      [["ls", "--root="], "reflex: --root must not be empty"],
    ];
    const results = await reflexAll(cases.map(([args]) => ({ args, options: { root } })));
    results.forEach((result, i) => {
      expect(expectOneLineError(result, 2)).toStartWith(cases[i]?.[1] ?? "?");
    });
  });

  test("a negative number is a value, not an option: --timestamp -5", async () => {
    const root = tempRoot();
    expect((await reflex(["put", "1", "2", "--timestamp", "-5"], { root })).code).toBe(0);
    const json = JSON.parse((await reflex(["get", "1", "2", "--json"], { root })).stdout);
    expect(json.timestamp).toBe("-5");
  });
});
