import { fdWriter, LineWriter } from "./line-writer.ts";
import {
  formatJsonRecord,
  formatJsonRequest,
  formatTextError,
  formatTextRequest,
  type RequestRecord,
} from "./log-lines.ts";

export type { RequestRecord } from "./log-lines.ts";

/** Where the server writes its logs. */
export interface Logger {
  /** Informational lines (stdout). */
  info(msg: string): void;
  /**
   * Server-side failures (stderr), with the error whose stack the log keeps and the id of
   * the request it happened in; may include paths never sent to clients.
   */
  error(msg: string, error?: unknown, requestId?: string): void;
  /** Lifecycle notices: tokens reloaded, shutting down (stderr). Loggers without it use `error`. */
  notice?(msg: string): void;
  /** One line per answered request (stdout). Loggers without it log no requests. */
  request?(record: RequestRecord): void;
}

/** The formats of `--log-format`. */
export const LOG_FORMATS = ["text", "json"] as const;
/** A log format: human-readable lines, or one JSON object a line. */
export type LogFormat = (typeof LOG_FORMATS)[number];

/** A logger that writes nothing (the default of `createApp`, and what tests use). */
export const silentLogger: Logger = { info() {}, error() {} };

/** Where {@link createLogger} writes. */
export interface LogStreams {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
  /** Where batched request lines go; default `stdout`. */
  readonly requests?: { write(text: string): unknown };
}

const PROCESS_STREAMS: LogStreams = {
  stdout: process.stdout,
  stderr: process.stderr,
  requests: fdWriter(1),
};

/**
 * A logger in `format`. Text: `2025-01-01T12:00:00.000Z GET /v1/tenants/1/entries/42 200 1.8ms t1 <request id>`
 * per request, messages as they are. JSON: one object a line with `time`, `level`, `msg`
 * and, for requests, `request_id`, `method`, `route`, `path`, `status`, `duration_ms`,
 * `tenant`, `principal`; an error's stack is one `stack` field. Request lines are
 * buffered and written every 10 ms (one write for many requests); everything else at once.
 *
 * @example
 * const logger = createLogger(process.stdout.isTTY ? "text" : "json");
 */
export function createLogger(format: LogFormat, streams: LogStreams = PROCESS_STREAMS): Logger {
  const requests = new LineWriter(streams.requests ?? streams.stdout);
  const json = format === "json";
  return {
    info(msg) {
      requests.flush();
      streams.stdout.write(json ? formatJsonRecord("info", msg) : `${msg}\n`);
    },
    error(msg, error, requestId) {
      streams.stderr.write(
        json ? formatJsonRecord("error", msg, error, requestId) : formatTextError(msg, error, requestId),
      );
    },
    notice(msg) {
      streams.stderr.write(json ? formatJsonRecord("info", msg) : `${msg}\n`);
    },
    request(record) {
      requests.write(json ? formatJsonRequest(record) : formatTextRequest(record));
    },
  };
}

/** A text logger on stdout and stderr (what `startServer` uses unless told otherwise). */
export const consoleLogger: Logger = createLogger("text");

/** The default format: JSON unless stdout is a terminal. */
export function defaultLogFormat(stdoutIsTty: boolean | undefined): LogFormat {
  return stdoutIsTty === true ? "text" : "json";
}

/** `logger.notice`, or `logger.error` for loggers without it. */
export function notice(logger: Logger, msg: string): void {
  if (logger.notice === undefined) logger.error(msg);
  else logger.notice(msg);
}
