import { type ParseArgsOptionsConfig, parseArgs } from "node:util";
import { parseI64, parseU64 } from "@reflex/codec";
import { DEFAULT_ROOT } from "@reflex/core";
import { UsageError } from "./exit-codes.ts";

/** Default store root when neither `--root` nor `REFLEX_ROOT` is given: the core's, the server's too. */
export { DEFAULT_ROOT };

/** Options every command accepts. */
export const GLOBAL_OPTIONS = {
  root: { type: "string" },
  "redis-cluster": { type: "string" },
  "redis-when-replica-lost": { type: "string" },
  help: { type: "boolean", short: "h" },
  version: { type: "boolean", short: "V" },
} as const satisfies ParseArgsOptionsConfig;

// parseArgs reads `-1` as an option. No option of ours is a digit, so an argument
// that looks like a negative number is a value (`--timestamp -5`) or a positional
// (`reflex get -1 42`, refused by the id grammar with the same message the server
// gives). It is swapped for a placeholder that parseArgs cannot take for an option
// and swapped back afterwards. Arguments from the OS never contain NUL.
const NEGATIVE_NUMBER = /^-[0-9]/;
const PLACEHOLDER = "\u0000reflex-arg:";

function protectNegatives(args: readonly string[]): string[] {
  return args.map((arg, i) => (NEGATIVE_NUMBER.test(arg) ? `${PLACEHOLDER}${i}` : arg));
}

function restore(value: string, args: readonly string[]): string {
  return value.startsWith(PLACEHOLDER) ? (args[Number(value.slice(PLACEHOLDER.length))] ?? value) : value;
}

/** The command word and the global flags, found before the command's own options are known. */
export interface CommandLine {
  /** The first positional argument: the command, if any. */
  readonly command: string | undefined;
  /** The arguments without the command word. */
  readonly rest: readonly string[];
  readonly help: boolean;
  readonly version: boolean;
}

/**
 * Finds the command word and `--help` / `--version` anywhere in `argv`
 * (`reflex --root d ls`, `reflex ls --root d`, `reflex --help ls` all work).
 */
export function splitCommandLine(argv: readonly string[]): CommandLine {
  const args = protectNegatives(argv);
  const { tokens } = parseArgs({ args, options: GLOBAL_OPTIONS, strict: false, allowPositionals: true, tokens: true });
  let command: string | undefined;
  let commandIndex = -1;
  let help = false;
  let version = false;
  for (const token of tokens) {
    if (token.kind === "option-terminator") break;
    if (token.kind === "option") {
      if (token.name === "help") help = true;
      if (token.name === "version") version = true;
    } else if (token.kind === "positional" && commandIndex < 0) {
      command = restore(token.value, argv);
      commandIndex = token.index;
    }
  }
  const rest = commandIndex < 0 ? [...argv] : argv.filter((_, i) => i !== commandIndex);
  return { command, rest, help, version };
}

/** What a command takes: its options beyond the global ones and its positional arguments. */
export interface ArgsSpec {
  /** The command word, for messages. */
  readonly command: string;
  /** One-line synopsis, quoted in usage errors. */
  readonly synopsis: string;
  /** The command's own options (the global ones are added). */
  readonly options: ParseArgsOptionsConfig;
  /** Positional argument names in order, e.g. `["tenant", "id"]`. */
  readonly positionals: readonly string[];
  /** How many positionals are required (default: all of them). */
  readonly required?: number;
  /** The last positional may be given more than once (`reflex get <tenant> <id> [<id>...]`). */
  readonly variadic?: boolean;
}

/** The parsed arguments of one command. */
export class CommandArgs {
  readonly #values: Readonly<Record<string, string | boolean | undefined>>;
  readonly #env: Readonly<Record<string, string | undefined>>;

  constructor(
    /** The spec they were parsed by. */
    readonly spec: ArgsSpec,
    /** The positional arguments, as given. */
    readonly positionals: readonly string[],
    values: Readonly<Record<string, string | boolean | undefined>>,
    env: Readonly<Record<string, string | undefined>>,
  ) {
    this.#values = values;
    this.#env = env;
  }

  /** True when the boolean option `name` was given. */
  flag(name: string): boolean {
    return this.#values[name] === true;
  }

  /** The value of the string option `name`, or undefined. */
  option(name: string): string | undefined {
    const value = this.#values[name];
    return typeof value === "string" ? value : undefined;
  }

  /** The store root: `--root`, else `REFLEX_ROOT`, else {@link DEFAULT_ROOT}. */
  get root(): string {
    const flag = this.option("root");
    if (flag !== undefined) {
      if (flag === "") throw new UsageError("--root must not be empty");
      return flag;
    }
    const env = this.#env.REFLEX_ROOT;
    return env !== undefined && env !== "" ? env : DEFAULT_ROOT;
  }

  /**
   * Seed nodes of a Redis Cluster that holds the store instead of a root: `--redis-cluster`,
   * else `REFLEX_REDIS_CLUSTER`, else undefined. With `--root` as well it is a usage error.
   */
  get redisCluster(): string | undefined {
    const flag = this.option("redis-cluster");
    if (flag !== undefined && this.option("root") !== undefined) {
      throw new UsageError("--root and --redis-cluster choose where the store is: give one of them");
    }
    if (flag !== undefined) {
      if (flag.trim() === "") throw new UsageError("--redis-cluster must not be empty");
      return flag;
    }
    const env = this.#env.REFLEX_REDIS_CLUSTER;
    return env !== undefined && env.trim() !== "" && this.option("root") === undefined ? env : undefined;
  }

  /**
   * What a write to a cluster shard with no online replica gets: `--redis-when-replica-lost`,
   * else `REFLEX_REDIS_WHEN_REPLICA_LOST` (ignored without a cluster), else undefined (the
   * store's default, refuse). The flag without a cluster, or a value but refuse / accept, is a usage error.
   */
  get whenReplicaLost(): "refuse" | "accept" | undefined {
    const flag = this.option("redis-when-replica-lost");
    const onCluster = this.redisCluster !== undefined;
    if (flag !== undefined && !onCluster) {
      throw new UsageError("--redis-when-replica-lost applies to a store on a Redis Cluster only (--redis-cluster)");
    }
    const env = this.#env.REFLEX_REDIS_WHEN_REPLICA_LOST;
    const text = flag ?? (onCluster && env !== undefined && env.trim() !== "" ? env : undefined);
    if (text === undefined) return undefined;
    const value = text.trim().toLowerCase();
    if (value === "refuse" || value === "accept") return value;
    const what = flag === undefined ? "REFLEX_REDIS_WHEN_REPLICA_LOST" : "--redis-when-replica-lost";
    throw new UsageError(`${what} must be refuse or accept, got ${JSON.stringify(text)}`);
  }

  /** The positional argument `index`, which the spec makes required. */
  required(index: number): string {
    const value = this.positionals[index];
    if (value === undefined) throw new UsageError(`${this.spec.command}: missing <${this.spec.positionals[index]}>`);
    return value;
  }

  /**
   * The `<tenant> <id>` positionals of an entry command (the first two), as ids. The tenant
   * is parsed first, so a command line with both wrong reports the tenant.
   */
  entryAddress(): { tenantId: bigint; entryId: bigint } {
    const tenantId = parseId(this.required(0), "tenant");
    const entryId = parseId(this.required(1), "entry id");
    return { tenantId, entryId };
  }

  /** Every positional from `index` on, parsed as ids (the repeated last positional of a variadic spec). */
  idsFrom(index: number, what: string): bigint[] {
    return this.positionals.slice(index).map((text) => parseId(text, what));
  }

  /** The option `--<name>` parsed as an id (see {@link parseId}), or undefined when it is not given. */
  idOption(name: string): bigint | undefined {
    const text = this.option(name);
    return text === undefined ? undefined : parseId(text, `--${name}`);
  }

  /** Two options that cannot go together. */
  exclusive(a: string, b: string): void {
    if (this.#values[a] !== undefined && this.#values[b] !== undefined) {
      throw new UsageError(`${this.spec.command}: --${a} and --${b} cannot be used together`);
    }
  }
}

/**
 * Parses a command's arguments (the command word already removed) with
 * `node:util` `parseArgs`, strictly: an unknown option, a missing value, a
 * missing or extra positional is a {@link UsageError} (exit 2).
 */
export function parseCommandArgs(
  spec: ArgsSpec,
  args: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): CommandArgs {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: protectNegatives(args),
      options: { ...spec.options, ...GLOBAL_OPTIONS },
      strict: true,
      allowPositionals: true,
    });
  } catch (error) {
    const message = error instanceof Error ? error.message.split(/\n|\. /)[0] : String(error);
    throw new UsageError(
      `${spec.command}: ${(message ?? "").replace(/\.$/, "").replace(/^\w/, (c) => c.toLowerCase())}`,
    );
  }
  const values: Record<string, string | boolean | undefined> = {};
  for (const [name, value] of Object.entries(parsed.values)) {
    values[name] = typeof value === "string" ? restore(value, args) : (value as boolean | undefined);
  }
  const positionals = parsed.positionals.map((value) => restore(value, args));
  const required = spec.required ?? spec.positionals.length;
  if (positionals.length < required) {
    const missing = spec.positionals.slice(positionals.length, required).map((name) => `<${name}>`);
    throw new UsageError(`${spec.command}: missing ${missing.join(" ")} (usage: ${spec.synopsis})`);
  }
  if (positionals.length > spec.positionals.length && spec.variadic !== true) {
    const extra = positionals[spec.positionals.length] ?? "";
    throw new UsageError(`${spec.command}: unexpected argument ${JSON.stringify(extra)} (usage: ${spec.synopsis})`);
  }
  return new CommandArgs(spec, positionals, values, env);
}

/**
 * Parses a tenant or entry id with the store's one id grammar (`parseU64` of
 * `@reflex/codec`, the same the HTTP API uses): canonical decimal in [0, 2^64-1].
 * A bad id is a `CodecError` `invalid_value`, which exits 2.
 */
export function parseId(text: string, what: string): bigint {
  return parseU64(text, what);
}

/** Parses a signed 64-bit integer (`--timestamp`) with the codec's grammar. */
export function parseSigned(text: string, what: string): bigint {
  return parseI64(text, what);
}

/**
 * Parses a count such as `--limit`: a whole number of at least `min` (default 0). Text that
 * is not one and a number below `min` get the same message, naming the range.
 */
export function parseCount(text: string, what: string, min = 0): number {
  if (!/^(?:0|[1-9][0-9]*)$/.test(text) || !Number.isSafeInteger(Number(text)) || Number(text) < min) {
    const range = min === 0 ? "a whole number >= 0" : `a whole number >= ${min}`;
    throw new UsageError(`${what} must be ${range}, got ${JSON.stringify(text.slice(0, 40))}`);
  }
  return Number(text);
}
