/** Where the server writes its human-readable lines. */
export interface Logger {
  /** One line per request, and lifecycle messages. */
  info(line: string): void;
  /** Server-side failures (5xx causes); may include paths and causes never sent to clients. */
  error(line: string): void;
}

/** A logger that writes nothing (the default of `createApp`, and what tests use). */
export const silentLogger: Logger = { info() {}, error() {} };

/** A logger that writes request lines to stdout and errors to stderr. */
export const consoleLogger: Logger = {
  info(line) {
    process.stdout.write(`${line}\n`);
  },
  error(line) {
    process.stderr.write(`${line}\n`);
  },
};
