// Property-based fuzzing of the `reflex` command (issue 7): fast-check argument vectors
// (commands, hostile ids and options, files, --root values, stdin bytes) against the real
// process, two at a time on one root. Every run must exit 0, 1, 2 or 3, never die of a
// signal or hang; a failure says so in one `reflex: ...` line on stderr without a stack
// trace; a bad id is a usage error (2); and nothing is created outside the store roots.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { encodeDumpRecord, isCanonicalU64 } from "@reflex/codec";
import { NvmeStorage } from "@reflex/core";
import { removeTempDirs, tempDir } from "@reflex/testkit";
import fc from "fast-check";
import { added, nonCanonicalPaths, snapshotDiff, storeLikeNames, treeSnapshot } from "./arbitraries/fs-snapshots.ts";
import { canonicalId, hostileId, U64_MAX_TEXT } from "./arbitraries/ids.ts";
import { markedEntry, SEEDED_IDS } from "./arbitraries/markers.ts";
import { figure, scale } from "./fixtures/harness.ts";

const CLI = join(import.meta.dir, "..", "apps", "cli", "src", "main.ts");
const PAIRS = scale(150, 1_500);
/** A run that takes longer has hung (a normal one takes well under a second). */
const RUN_TIMEOUT_MS = 30_000;

const COMMANDS = ["put", "get", "rm", "exists", "ls", "stats", "cleanup", "verify", "gc", "export", "import", "help"];
/** Commands whose positionals are `<tenant> <id>`: a bad one is a usage error whatever else is wrong. */
const ID_COMMANDS = new Set(["put", "get", "rm", "exists"]);

/** Arguments: no NUL (the OS cannot pass it). */
const noNul = (text: string) => text.replaceAll("\0", "");

interface Layout {
  readonly base: string;
  readonly cwd: string;
  readonly root: string;
  /** Store roots the fuzz may name with --root (inside `base`), besides `root`. */
  readonly altRoots: readonly string[];
}

function optionArbitrary(layout: Layout): fc.Arbitrary<readonly string[]> {
  const id = fc.oneof({ weight: 3, arbitrary: canonicalId }, { weight: 1, arbitrary: hostileId.map(noNul) });
  const number = fc.oneof(
    fc.constantFrom("0", "1", "-5", "1.5", "1e3", "abc", "", "99999999999999999999", "16MiB", "1K", "-", "--"),
    fc.bigInt({ min: -(1n << 64n), max: 1n << 65n }).map(String),
  );
  const file = fc.constantFrom(
    "payload.bin",
    "empty.bin",
    "missing.bin",
    "-",
    ".",
    "..",
    "/dev/null",
    join(layout.cwd, "payload.bin"),
    "payload.bin/..",
    "",
  );
  const rootValue = fc.constantFrom(
    "alt-root",
    layout.altRoots[1] as string,
    layout.root,
    "",
    "payload.bin",
    "./alt-root/",
  );
  const valued = (name: string, value: fc.Arbitrary<string>) =>
    fc.tuple(fc.constant(name), value, fc.boolean()).map(([n, v, joined]) => (joined ? [`${n}=${v}`] : [n, v]));
  return fc.oneof(
    fc.constantFrom(["--json"], ["--payload"], ["--by-tenant"], ["-h"], ["--help"], ["-V"], ["--version"]),
    fc.constantFrom(["--bogus"], ["-x"], ["--json=1"], ["--"], ["-"], ["--JSON"], ["---json"], ["-jV"]),
    valued("--payload", file),
    valued("--embedding", file),
    valued("--context-hash", fc.oneof(id, number)),
    valued("--timestamp", number),
    valued("--ttl", number),
    valued("--limit", number),
    valued("--after", id),
    valued("--tenant", id),
    valued("--max-bytes", number),
    valued("--max-entries", number),
    valued("--tenant-max-bytes", number),
    valued("--tenant-max-entries", number),
    valued("--root", rootValue),
  );
}

/** One generated run: argv, stdin bytes. */
interface Run {
  readonly argv: readonly string[];
  readonly stdin: Uint8Array;
}

/** Valid command lines of every command: the fuzz starts from these and perturbs them. */
function validArgv(layout: Layout): fc.Arbitrary<string[]> {
  const tenant = fc.constantFrom("1", "2", "3", U64_MAX_TEXT);
  const id = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom("0", "1", "42", U64_MAX_TEXT) },
    { weight: 1, arbitrary: canonicalId },
  );
  const maybe = (...args: string[]) => fc.constantFrom<string[]>([], args);
  const maybeValue = (name: string, value: fc.Arbitrary<string>) =>
    fc.option(value, { nil: undefined }).map((v) => (v === undefined ? [] : [name, v]));
  const small = fc.integer({ min: 1, max: 5000 }).map(String);
  const line = (...parts: fc.Arbitrary<string[]>[]) => fc.tuple(...parts).map((chunks) => chunks.flat());
  // A file as the root: every command must fail with a storage error (3).
  const root = fc.constantFrom<string[]>(
    [],
    [],
    [],
    [],
    ["--root", "alt-root"],
    ["--root", layout.altRoots[1] as string],
    ["--root", "payload.bin"],
  );
  const command = fc.oneof(
    line(
      fc.constant(["put"]),
      tenant.map((t) => [t]),
      id.map((i) => [i]),
      maybeValue("--payload", fc.constantFrom("payload.bin", "empty.bin", "-")),
      maybeValue("--embedding", fc.constantFrom("payload.bin", "empty.bin")),
      maybeValue("--context-hash", canonicalId),
      maybeValue("--timestamp", fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }).map(String)),
      maybeValue("--ttl", fc.constantFrom("0", "1", "3600")),
      maybe("--json"),
    ),
    line(
      fc.constant(["get"]),
      tenant.map((t) => [t]),
      id.map((i) => [i]),
      fc.constantFrom<string[]>([], ["--json"], ["--payload"]),
    ),
    line(
      fc.constantFrom(["rm"], ["exists"], ["exists"]),
      tenant.map((t) => [t]),
      id.map((i) => [i]),
    ),
    line(
      fc.constant(["exists"]),
      tenant.map((t) => [t]),
      id.map((i) => [i]),
      maybe("--json"),
    ),
    line(
      fc.constant(["ls"]),
      fc.option(tenant, { nil: undefined }).map((t) => (t === undefined ? [] : [t])),
      maybeValue("--limit", small),
      maybeValue("--after", id),
      maybe("--json"),
    ),
    line(fc.constant(["stats"]), maybe("--json"), maybe("--by-tenant")),
    line(fc.constant(["cleanup"]), maybe("--json")),
    line(fc.constant(["verify"]), maybeValue("--tenant", tenant), maybe("--json")),
    line(
      fc.constant(["gc"]),
      maybeValue("--max-bytes", fc.constantFrom("1MiB", "64K", "1G")),
      maybeValue("--max-entries", fc.constantFrom("100", "1000")),
      maybeValue("--tenant-max-entries", fc.constantFrom("50", "500")),
      maybe("--json"),
    ),
    line(fc.constant(["export"]), maybeValue("--tenant", tenant)),
    line(fc.constant(["import"]), maybe("--json")),
    line(fc.constantFrom(["help"], ["--help"], ["--version"]), fc.constantFrom<string[]>([], ["put"], ["ls"])),
  );
  return fc.tuple(command, root).map(([argv, rootArgs]) => [...argv, ...rootArgs]);
}

type ArgvChange = (argv: string[]) => string[];

/**
 * Roots a command line names itself (`--root X`, `--root=X`) that are new directories
 * under the test's base: a changed argument can name any root (a hostile id such as
 * `toString` after `--root`), and a command may create the root it is told to use.
 */
function namedNewRoots(argv: readonly string[], layout: Layout): string[] {
  const roots: string[] = [];
  for (const [i, arg] of argv.entries()) {
    const value = arg === "--root" ? argv[i + 1] : arg.startsWith("--root=") ? arg.slice("--root=".length) : undefined;
    if (value === undefined || value === "") continue;
    const path = resolve(layout.cwd, value);
    if (path.startsWith(`${layout.base}/`) && !existsSync(path)) roots.push(path);
  }
  return roots;
}

/** Perturbations of a valid command line: hostile ids, stray options, dropped or repeated arguments. */
function argvChanges(layout: Layout): fc.Arbitrary<ArgvChange> {
  const hostile = hostileId.map(noNul);
  return fc.oneof(
    fc.tuple(fc.nat(), hostile).map(([at, text]) => (argv: string[]) => {
      const copy = [...argv];
      copy[Math.min(copy.length, 1 + (at % Math.max(1, copy.length - 1)))] = text;
      return copy;
    }),
    fc.tuple(fc.nat(), optionArbitrary(layout)).map(([at, option]) => (argv: string[]) => {
      const copy = [...argv];
      copy.splice(at % (copy.length + 1), 0, ...option);
      return copy;
    }),
    fc.nat().map((at) => (argv: string[]) => argv.filter((_, i) => i !== at % argv.length)),
    fc.nat().map((at) => (argv: string[]) => (argv.length === 0 ? argv : [...argv, argv[at % argv.length] as string])),
    fc.nat().map((at) => (argv: string[]) => {
      const copy = [...argv];
      copy.splice(at % (copy.length + 1), 0, "--");
      return copy;
    }),
    fc
      .oneof(
        fc.constantFrom(...COMMANDS, "", "PUT", "Get", "unknown", "get1", " ls", "-"),
        fc.string({ maxLength: 12 }).map(noNul),
      )
      .map((command) => (argv: string[]) => [command, ...argv.slice(1)]),
    fc
      .constantFrom("../x", "/etc/passwd", "-", "1/../2", "$(id)", "`id`", "*", "~")
      .map((text) => (argv: string[]) => [...argv, text]),
  );
}

function runArbitrary(layout: Layout, dump: Uint8Array): fc.Arbitrary<Run> {
  const stdin = fc.oneof(
    fc.constant(new Uint8Array(0)),
    fc.constant(dump),
    fc.tuple(fc.constant(dump), fc.nat()).map(([bytes, cut]) => bytes.slice(0, cut % (bytes.length + 1))),
    fc.uint8Array({ maxLength: 2048 }),
    fc.constant(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0x0f])), // a record length of 4 GiB
  );
  return fc
    .record({
      argv: validArgv(layout),
      changes: fc.oneof(
        { weight: 2, arbitrary: fc.constant<ArgvChange[]>([]) },
        { weight: 3, arbitrary: fc.array(argvChanges(layout), { minLength: 1, maxLength: 2 }) },
      ),
      stdin,
    })
    .map(({ argv, changes, stdin }) => {
      let line = argv;
      for (const change of changes) line = change(line);
      return { argv: confineRoots(line, layout), stdin };
    });
}

/**
 * The fuzz's --root values stay the ones it may write to: a perturbation that turned one
 * into another path (`--root ../../x`) would make the CLI create that store, by design,
 * wherever it points. Such a value becomes `alt-root`.
 */
function confineRoots(argv: readonly string[], layout: Layout): string[] {
  const allowed = new Set(["alt-root", "./alt-root/", layout.altRoots[1] as string, layout.root, "", "payload.bin"]);
  const out = [...argv];
  const end = out.indexOf("--");
  for (let i = 0; i < (end < 0 ? out.length : end); i++) {
    const arg = out[i] as string;
    if (arg === "--root" && i + 1 < out.length && !allowed.has(out[i + 1] as string)) out[i + 1] = "alt-root";
    if (arg.startsWith("--root=") && !allowed.has(arg.slice("--root=".length))) out[i] = "--root=alt-root";
  }
  return out;
}

/** `serve` would run until stopped: it is fuzzed only in forms that must refuse to start. */
const serveRuns: fc.Arbitrary<Run> = fc
  .constantFrom(
    ["serve", "--host", "0.0.0.0"],
    ["serve", "--port", "99999"],
    ["serve", "--port", "-1"],
    ["serve", "--max-body", "0"],
    ["serve", "--bogus"],
    ["serve", "--tokens", "missing-tokens.json"],
    ["serve", "--tokens", "payload.bin"],
    ["serve", "--help"],
    ["serve", "extra-positional", "--host", "0.0.0.0"],
  )
  .map((argv) => ({ argv, stdin: new Uint8Array(0) }));

interface Outcome {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

async function spawnCli(run: Run, layout: Layout): Promise<Outcome> {
  const start = performance.now();
  const child = Bun.spawn([process.execPath, CLI, ...run.argv], {
    cwd: layout.cwd,
    // HOME stays the real one: Bun keeps its transpiler cache there.
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "/root",
      REFLEX_ROOT: layout.root,
      NO_COLOR: "1",
      CI: "1",
    },
    stdin: run.stdin,
    stdout: "pipe",
    stderr: "pipe",
  });
  const timer = setTimeout(() => child.kill("SIGKILL"), RUN_TIMEOUT_MS);
  const [stdout, stderr] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text()]);
  await child.exited;
  clearTimeout(timer);
  return { code: child.exitCode, signal: child.signalCode, stdout, stderr, ms: performance.now() - start };
}

/** Problems of one run's outcome. */
function outcomeProblems(run: Run, outcome: Outcome): string[] {
  const problems: string[] = [];
  if (outcome.signal !== null || outcome.code === null) {
    problems.push(`killed by ${outcome.signal}${outcome.ms >= RUN_TIMEOUT_MS ? " (hung)" : ""}`);
    return problems;
  }
  if (![0, 1, 2, 3].includes(outcome.code)) problems.push(`exit code ${outcome.code}`);
  for (const [name, text] of [
    ["stderr", outcome.stderr],
    ["stdout", outcome.stdout],
  ] as const) {
    if (/\n\s+at \S/.test(text) || /\.ts:\d+:\d+/.test(text) || /node_modules/.test(text)) {
      problems.push(`a stack trace on ${name}`);
    }
  }
  const lines = outcome.stderr.split("\n").filter((line) => line !== "");
  if (outcome.code === 2 || outcome.code === 3 || (outcome.code === 1 && !/^(exists)$/.test(commandOf(run)))) {
    if (lines.length !== 1 || !/^reflex: \S/.test(lines[0] as string)) {
      problems.push(`stderr is not one "reflex: ..." line: ${JSON.stringify(outcome.stderr.slice(0, 300))}`);
    }
  } else if (lines.length > 0) {
    problems.push(`stderr on exit ${outcome.code}: ${JSON.stringify(outcome.stderr.slice(0, 300))}`);
  }
  // A bad tenant or id given to a command that takes them is a usage error, whatever else is wrong
  // (unless --help or --version answered first).
  const command = commandOf(run);
  // (Skipped when a `--` is in the line: where it ends the options is the CLI's business.)
  const answersFirst = run.argv.some((arg) => ["-h", "--help", "-V", "--version", "-jV", "--"].includes(arg));
  const positionals = positionalsOf(run);
  if (ID_COMMANDS.has(command) && !answersFirst && positionals.slice(0, 2).some((arg) => !isCanonicalU64(arg))) {
    if (outcome.code !== 2) problems.push(`a bad id exits ${outcome.code}, not 2`);
  }
  return problems;
}

/** The command word as the CLI finds it: the first argument that is not an option or an option's value. */
function commandOf(run: Run): string {
  return positionalsOf(run, true)[0] ?? "";
}

const VALUE_OPTIONS = new Set([
  "--payload",
  "--embedding",
  "--context-hash",
  "--timestamp",
  "--ttl",
  "--limit",
  "--after",
  "--tenant",
  "--max-bytes",
  "--max-entries",
  "--tenant-max-bytes",
  "--tenant-max-entries",
  "--root",
]);

/** Positional arguments (parsed the way the CLI does, near enough to spot bad ids), without the command word unless asked. */
function positionalsOf(run: Run, withCommand = false): string[] {
  const out: string[] = [];
  const args = run.argv;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === "--") {
      out.push(...args.slice(i + 1));
      break;
    }
    if (VALUE_OPTIONS.has(arg)) {
      // `get --payload` is a flag; every other value option takes the next argument.
      if (!(arg === "--payload" && out[0] === "get")) i++;
      continue;
    }
    if (arg.startsWith("-") && !/^-[0-9]/.test(arg) && arg !== "-") continue;
    out.push(arg);
  }
  return withCommand ? out : out.slice(1);
}

/**
 * Removes a root a generated command line named (made by that run, inside the base). A name
 * no file system takes (a component over 255 bytes: ENAMETOOLONG) was never made: nothing to remove.
 */
function removeNamedRoot(root: string): void {
  try {
    rmSync(root, { recursive: true, force: true });
  } catch (error) {
    if ((error as { code?: string }).code !== "ENAMETOOLONG") throw error;
  }
}

describe("reflex CLI fuzzing", () => {
  let layout: Layout;
  let dump: Uint8Array;
  let outsideBefore: Map<string, string>;
  let tmpBefore: Set<string>;
  const codes = new Map<number, number>();
  let runs = 0;
  let slowest = 0;

  beforeAll(async () => {
    const base = tempDir("reflex-fuzz-cli-");
    const cwd = join(base, "cwd");
    mkdirSync(cwd);
    layout = { base, cwd, root: join(base, "root"), altRoots: [join(cwd, "alt-root"), join(base, "alt-root-2")] };
    writeFileSync(join(cwd, "payload.bin"), new Uint8Array([1, 2, 3, 0, 255]));
    writeFileSync(join(cwd, "empty.bin"), new Uint8Array(0));
    const store = new NvmeStorage(layout.root);
    store.ensureStoragePath();
    const records: Uint8Array[] = [];
    for (const tenant of [1n, 2n]) {
      for (const id of SEEDED_IDS) {
        (await store.store(id, markedEntry(tenant, id))).release();
        records.push(encodeDumpRecord(id ^ 7n, markedEntry(tenant, id)));
      }
    }
    store.close();
    dump = Buffer.concat(records);
    outsideBefore = treeSnapshot(base, [layout.root, ...layout.altRoots]);
    tmpBefore = storeLikeNames(tmpdir());
  });

  afterAll(() => {
    removeTempDirs();
  });

  test(`${PAIRS * 2} generated command lines, two processes at a time on one root`, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.tuple(
          fc.oneof({ weight: 15, arbitrary: runArbitrary(layout, dump) }, { weight: 1, arbitrary: serveRuns }),
          runArbitrary(layout, dump),
        ),
        async (pair) => {
          const named = pair.flatMap((run) => namedNewRoots(run.argv, layout));
          const outcomes = await Promise.all(pair.map((run) => spawnCli(run, layout)));
          const problems: string[] = [];
          for (const [i, run] of pair.entries()) {
            const outcome = outcomes[i] as Outcome;
            runs++;
            slowest = Math.max(slowest, outcome.ms);
            if (outcome.code !== null) codes.set(outcome.code, (codes.get(outcome.code) ?? 0) + 1);
            for (const problem of outcomeProblems(run, outcome)) {
              problems.push(
                `reflex ${run.argv.map((arg) => JSON.stringify(arg)).join(" ")} (stdin ${run.stdin.length} B): ${problem}` +
                  ` [exit ${outcome.code}, stderr ${JSON.stringify(outcome.stderr.slice(0, 200))}]`,
              );
            }
          }
          for (const root of [layout.root, ...layout.altRoots]) {
            try {
              for (const path of nonCanonicalPaths(root)) problems.push(`non-canonical ${path} in ${root}`);
            } catch {
              // that root was never created
            }
          }
          const roots = [layout.root, ...layout.altRoots, ...named];
          const outside = snapshotDiff(outsideBefore, treeSnapshot(layout.base, roots));
          for (const root of named) removeNamedRoot(root);
          if (outside.length > 0) problems.push(`outside the roots: ${outside.join(", ")}`);
          if (problems.length > 0) throw new Error(problems.join("\n"));
        },
      ),
      { numRuns: PAIRS },
    );
    expect(added(tmpBefore, storeLikeNames(tmpdir()))).toEqual([]);
    const histogram = [...codes.entries()]
      .sort(([a], [b]) => a - b)
      .map(([code, n]) => `${code}:${n}`)
      .join(" ");
    figure(
      "fuzz-cli",
      `${runs} generated command lines against the real reflex process (2 at a time on one root): ` +
        `exit codes only 0-3 (${histogram}), 0 signals or hangs (slowest ${(slowest / 1000).toFixed(1)} s), ` +
        `every failure one "reflex:" line, 0 stack traces, bad ids always exit 2, 0 files outside the roots`,
    );
  }, 1_800_000);
});
