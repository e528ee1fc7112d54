import packageJson from "../package.json" with { type: "json" };
import { DEFAULT_ROOT, splitCommandLine } from "./args.ts";
import type { Command } from "./command.ts";
import { cleanupCommand } from "./commands/cleanup.ts";
import { existsCommand } from "./commands/exists.ts";
import { exportCommand } from "./commands/export.ts";
import { gatewayCommand } from "./commands/gateway.ts";
import { gcCommand } from "./commands/gc.ts";
import { getCommand } from "./commands/get.ts";
import { importCommand } from "./commands/import.ts";
import { lsCommand } from "./commands/ls.ts";
import { putCommand } from "./commands/put.ts";
import { rmCommand } from "./commands/rm.ts";
import { rmTenantCommand } from "./commands/rm-tenant.ts";
import { searchCommand } from "./commands/search.ts";
import { serveCommand } from "./commands/serve.ts";
import { statsCommand } from "./commands/stats.ts";
import { touchCommand } from "./commands/touch.ts";
import { verifyCommand } from "./commands/verify.ts";
import { ExitCode, errorLine, exitCodeFor, UsageError } from "./exit-codes.ts";
import { formatTable } from "./format.ts";
import { type Io, processIo } from "./io.ts";
import { closeCommandStores } from "./store.ts";

/** The version `reflex --version` prints (from this package's package.json). */
export const VERSION: string = packageJson.version;

/** Every command, in the order `reflex --help` lists them. */
export const COMMANDS: readonly Command[] = [
  putCommand,
  getCommand,
  rmCommand,
  touchCommand,
  rmTenantCommand,
  existsCommand,
  lsCommand,
  searchCommand,
  statsCommand,
  cleanupCommand,
  verifyCommand,
  gcCommand,
  exportCommand,
  importCommand,
  serveCommand,
  gatewayCommand,
];

/** The text of `reflex --help`. */
export function generalHelp(): string {
  const commands = formatTable(COMMANDS.map((command) => [`  ${command.name}`, command.summary]));
  return `reflex ${VERSION}: manage a Reflex store (one crash-safe file per LLM cache entry)

Usage: reflex <command> [arguments] [options]

Commands:
${commands}

Global options:
  --root DIR     store root (default: $REFLEX_ROOT, else ${DEFAULT_ROOT})
  --redis-cluster HOST:PORT[,HOST:PORT...]
                 the store on a Redis Cluster instead (default: $REFLEX_REDIS_CLUSTER);
                 cleanup and gc are files only
  --redis-when-replica-lost refuse|accept
                 a write to a cluster shard with no online replica (its master died, the
                 promoted replica has none yet): refused, exit 3 (default), or stored on its
                 master alone, which put reports (default: $REFLEX_REDIS_WHEN_REPLICA_LOST)
  -h, --help     show help (reflex <command> --help for a command's options and --json shape)
  -V, --version  print the version

Ids (tenants, entries) are decimal integers in [0, 18446744073709551615], without sign or
leading zeros. Every command but export (whose stdout is the dump) and serve takes --json. Progress bars appear only when stderr and
stdout are terminals (stderr alone for export), and never with NO_COLOR or CI set.

One writer per root: commands that write (put, rm, touch, rm-tenant, cleanup, gc, import,
serve, gateway) take the root's lock and exit 3 while a server holds it (use the HTTP API then); the
read commands (get, exists, ls, stats, verify, export) open the store read-only and work
beside a running server. exists loads and verifies the entry, as the server's HEAD: a corrupt
entry is exit 3 there (HEAD: 500), never "exists".

Exit status: 0 ok, 1 not found or check failed, 2 usage error, 3 storage error.
`;
}

function findCommand(name: string): Command {
  const command = COMMANDS.find((candidate) => candidate.name === name);
  if (command === undefined) {
    throw new UsageError(
      `unknown command ${JSON.stringify(name)} (commands: ${COMMANDS.map((c) => c.name).join(", ")}; see reflex --help)`,
    );
  }
  return command;
}

/**
 * Runs `reflex` with `argv` (the arguments after the program name) and resolves
 * to its exit code once all output is written. Errors are printed as one line,
 * `reflex: <message>`, on stderr, never with a stack trace (set `REFLEX_DEBUG=1`
 * for one), and mapped to exit codes by `exitCodeFor`.
 *
 * @example
 * const code = await run(["get", "1", "42", "--json"]);
 */
export async function run(argv: readonly string[], io: Io = processIo()): Promise<ExitCode> {
  try {
    const line = splitCommandLine(argv);
    if (line.version) {
      await io.stdout.write(`reflex ${VERSION}\n`);
      return ExitCode.ok;
    }
    if (line.command === undefined) {
      if (line.help) {
        await io.stdout.write(generalHelp());
        return ExitCode.ok;
      }
      throw new UsageError("missing command (see reflex --help)");
    }
    if (line.command === "help") {
      const topic = line.rest.find((arg) => !arg.startsWith("-"));
      await io.stdout.write(topic === undefined ? generalHelp() : findCommand(topic).help);
      return ExitCode.ok;
    }
    const command = findCommand(line.command);
    if (line.help) {
      await io.stdout.write(command.help);
      return ExitCode.ok;
    }
    return await command.run(line.rest, io);
  } catch (error) {
    const message = errorLine(error);
    try {
      if (message !== null) await io.stderr.write(`reflex: ${message}\n`);
      if (io.env.REFLEX_DEBUG && error instanceof Error) await io.stderr.write(`${error.stack}\n`);
    } catch {
      // stderr is gone too: the exit code is all there is.
    }
    return exitCodeFor(error);
  } finally {
    await closeCommandStores();
  }
}
