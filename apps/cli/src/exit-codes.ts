import { isCodecError, isCorruptionCode } from "@reflex/codec";
import { isStoreError } from "@reflex/core";
import { SERVER_LOCK_OWNER } from "@reflex/server";

/**
 * The exit statuses of `reflex`:
 * 0 ok, 1 not found or a check failed (`exists` false, `verify` found damage),
 * 2 usage error (bad command, option, id or input), 3 storage error.
 */
export const ExitCode = {
  ok: 0,
  notFound: 1,
  checkFailed: 1,
  usage: 2,
  storage: 3,
} as const;

/** One of the {@link ExitCode} values. */
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** A mistake in how `reflex` was called: unknown command or option, missing or bad argument. Exit 2. */
export class UsageError extends Error {
  override readonly name = "ReflexUsageError";
}

/** True for a {@link UsageError} (by name, so it works across copies of the module). */
export function isUsageError(value: unknown): value is UsageError {
  return value instanceof Error && value.name === "ReflexUsageError";
}

/** True for an error of `node:util` `parseArgs` (unknown option, missing value, ...). */
function isParseArgsError(value: unknown): value is Error {
  const code = (value as { code?: unknown } | null)?.code;
  return value instanceof Error && typeof code === "string" && code.startsWith("ERR_PARSE_ARGS_");
}

/** True when stdout (or stderr) went away under us: `reflex ls | head -1`. */
export function isBrokenPipe(value: unknown): boolean {
  return (value as { code?: unknown } | null)?.code === "EPIPE";
}

/**
 * The one place errors become exit codes:
 * - `StoreError` `not_found` -> 1, `invalid_argument`, `too_large` and `invalid_embedding`
 *   -> 2, every other store error -> 3 (`locked`: a server or another writing command holds the root);
 * - `CodecError` `invalid_value` (a bad id, context hash or timestamp), or bad input
 *   (`invalid_json`, `malformed_stream`, `too_large`: a damaged dump on stdin) -> 2;
 *   a codec corruption code (stored bytes damaged) -> 3;
 * - usage and argument-parsing errors -> 2;
 * - anything else (including a broken pipe) -> 3.
 */
export function exitCodeFor(error: unknown): ExitCode {
  if (isStoreError(error)) {
    if (error.code === "not_found") return ExitCode.notFound;
    if (error.code === "invalid_argument" || error.code === "too_large" || error.code === "invalid_embedding") {
      return ExitCode.usage;
    }
    return ExitCode.storage;
  }
  if (isCodecError(error)) return isCorruptionCode(error.code) ? ExitCode.storage : ExitCode.usage;
  if (isUsageError(error) || isParseArgsError(error)) return ExitCode.usage;
  return ExitCode.storage;
}

/** What to do about a root another process writes: the server's API, or wait for the other command. */
function lockedLine(holder: { pid: number; name: string } | undefined): string {
  if (holder === undefined) return "another process holds this root: wait for it to finish or stop it";
  if (holder.name === SERVER_LOCK_OWNER) {
    return `the server pid ${holder.pid} holds this root: use the HTTP API or stop it`;
  }
  return `${holder.name} (pid ${holder.pid}) holds this root: wait for it to finish or stop it`;
}

/**
 * The one line printed for `error` (after `reflex: `), or null when nothing should
 * be printed (a broken pipe: the reader left, as with SIGPIPE).
 */
export function errorLine(error: unknown): string | null {
  if (isBrokenPipe(error)) return null;
  if (isStoreError(error, "locked")) return lockedLine(error.holder);
  let message = error instanceof Error ? error.message : String(error);
  if (isParseArgsError(error)) {
    // parseArgs explains at length over several lines; its first sentence says it.
    message = (message.split(/\n|\. /)[0] ?? message).replace(/\.$/, "");
    message = message.charAt(0).toLowerCase() + message.slice(1);
  }
  const line = message.replace(/\s*\n\s*/g, " ").trim();
  return line === "" ? "unexpected error" : line;
}
