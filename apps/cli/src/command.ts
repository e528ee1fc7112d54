import { DEFAULT_ROOT } from "@reflex/core";
import type { ExitCode } from "./exit-codes.ts";
import { formatTable, toJsonText } from "./format.ts";
import type { Io } from "./io.ts";

/** One `reflex` command: `src/commands/<name>.ts` exports one. */
export interface Command {
  /** The command word. */
  readonly name: string;
  /** One line for `reflex --help`. */
  readonly summary: string;
  /** The full text of `reflex <name> --help`. */
  readonly help: string;
  /** Runs with the arguments after the command word; resolves to the exit code once all output is written. */
  run(args: readonly string[], io: Io): Promise<ExitCode>;
}

/** Options every command takes, as listed in each help text. */
const GLOBAL_HELP: readonly (readonly [string, string])[] = [
  ["--root DIR", `store root (default: $REFLEX_ROOT, else ${DEFAULT_ROOT})`],
  ["--redis-cluster HOST:PORT,...", "the store on a Redis Cluster instead (default: $REFLEX_REDIS_CLUSTER)"],
  [
    "--redis-when-replica-lost refuse|accept",
    "cluster shard with no online replica: refuse writes (default), or accept on its master alone ($REFLEX_REDIS_WHEN_REPLICA_LOST)",
  ],
  ["-h, --help", "show this help"],
];

/** The parts of a command's help text. */
export interface HelpParts {
  readonly synopsis: string;
  readonly description: string;
  readonly options?: readonly (readonly [string, string])[];
  /** The shape of `--json` output, documented as part of the contract. */
  readonly json?: string;
  readonly exit: string;
}

/** Builds a help text: usage, description, options (the command's, then the global ones), JSON shape, exit status. */
export function helpText(parts: HelpParts): string {
  const options = [...(parts.options ?? []), ...GLOBAL_HELP].map(([flag, text]) => [`  ${flag}`, text]);
  const sections = [`Usage: ${parts.synopsis}`, parts.description, `Options:\n${formatTable(options)}`];
  if (parts.json !== undefined) sections.push(`JSON output (--json):\n${parts.json}`);
  sections.push(`Exit status: ${parts.exit}`);
  return `${sections.join("\n\n")}\n`;
}

/** Writes `text` and a newline to stdout. */
export async function printLine(io: Io, text: string): Promise<void> {
  await io.stdout.write(`${text}\n`);
}

/** Writes `value` as one line of JSON to stdout (bigints as decimal strings). */
export async function printJson(io: Io, value: unknown): Promise<void> {
  await io.stdout.write(`${toJsonText(value)}\n`);
}
