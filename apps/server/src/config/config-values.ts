// The value parsers of the server's flags and environment: each throws ConfigError naming `what`.
import type { ParseArgsOptionsConfig } from "node:util";
import { isTtlText, MAX_BODY_BYTES, TTL_GRAMMAR } from "@reflex/codec";
import { ConfigError } from "./config-error.ts";

const SIZE_UNITS: Record<string, number> = {
  "": 1,
  b: 1,
  k: 1024,
  kb: 1024,
  kib: 1024,
  m: 1024 ** 2,
  mb: 1024 ** 2,
  mib: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1024 ** 3,
  gib: 1024 ** 3,
};

/**
 * Parses a byte size: `1048576`, `512K`, `16MiB`, `1g` (units are binary, case-insensitive).
 * At least 1 byte, at most the largest entry body (2^32-1).
 *
 * @example parseByteSize("16MiB", "--max-body") // 16777216
 */
export function parseByteSize(text: string, what: string, max = MAX_BODY_BYTES): number {
  const match = /^\s*(\d{1,13})\s*([a-z]*)\s*$/i.exec(text);
  const unit = SIZE_UNITS[match?.[2]?.toLowerCase() ?? "?"];
  if (match === null || unit === undefined) {
    throw new ConfigError(`${what} must be a size like 1048576, 512K or 16MiB, got ${JSON.stringify(text)}`);
  }
  const bytes = Number(match[1]) * unit;
  if (bytes < 1 || bytes > max) {
    throw new ConfigError(`${what} must be between 1 byte and ${max} bytes, got ${JSON.stringify(text)}`);
  }
  return bytes;
}

/** A TCP port in [0, 65535]. */
export function parsePort(text: string, what: string): number {
  if (!/^\d{1,5}$/.test(text.trim()) || Number(text) > 65535) {
    throw new ConfigError(`${what} must be a port number in [0, 65535], got ${JSON.stringify(text)}`);
  }
  return Number(text);
}

/** A whole number of at least `min`. */
export function parseCount(text: string, what: string, min: number): number {
  if (!/^\d{1,15}$/.test(text.trim()) || Number(text) < min) {
    throw new ConfigError(`${what} must be an integer >= ${min}, got ${JSON.stringify(text)}`);
  }
  return Number(text);
}

/** A TTL in the one grammar of `?ttl=` and `reflex put --ttl` (`isTtlText` of the codec). */
export function parseTtl(text: string, what: string): number {
  if (!isTtlText(text)) throw new ConfigError(`${what} must be ${TTL_GRAMMAR}, got ${JSON.stringify(text)}`);
  return Number(text);
}

/** `value`, or undefined when unset or blank (an empty env variable counts as unset). */
export function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === "" ? undefined : value;
}

/**
 * `--flag -5` as `--flag=-5` for the string options: `parseArgs` takes a value that starts
 * with `-` for an option and fails with "argument is ambiguous", hiding the value's own error
 * (`--max-bytes must be a size ...`). No flag of the server is a digit.
 */
export function joinNegativeValues(argv: readonly string[], options: ParseArgsOptionsConfig): string[] {
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const next = argv[i + 1];
    const name = arg.startsWith("--") ? arg.slice(2) : undefined;
    if (name !== undefined && options[name]?.type === "string" && next !== undefined && /^-[0-9]/.test(next)) {
      args.push(`${arg}=${next}`);
      i++;
    } else {
      args.push(arg);
    }
  }
  return args;
}
