/**
 * The server's command: `bun src/main.ts [--root DIR] [--host H] [--port P] [--tokens FILE] [--max-body SIZE]`
 * (`--tls-cert FILE --tls-key FILE` for https; `--help`, `--version`).
 * Prints `reflex listening on <url>` as its first stdout line (then logs in `--log-format`); SIGTERM or SIGINT
 * stops accepting, finishes in-flight requests and exits 0.
 */

import packageJson from "../package.json" with { type: "json" };
import { TokenFileError } from "./auth/token-set.ts";
import { ConfigError, loadConfig, USAGE } from "./config/config.ts";
import { notice } from "./observe/logger.ts";
import { exitCodeOnSignal, startServer } from "./server.ts";

async function main(): Promise<number | undefined> {
  const config = loadConfig(Bun.argv.slice(2), process.env);
  if (config.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (config.version) {
    process.stdout.write(`reflex-server ${packageJson.version}\n`);
    return 0;
  }
  const running = await startServer(config);
  const stopped = exitCodeOnSignal(running, (line) => notice(running.logger, line));
  // Only once the handlers are in place: whoever waits for this line may signal at once.
  // Plain text in either log format: scripts wait for it (every later line follows --log-format).
  process.stdout.write(`reflex listening on ${running.url}\n`);
  return stopped;
}

main().then(
  (code) => {
    if (code !== undefined) process.exit(code);
  },
  (error: unknown) => {
    if (error instanceof ConfigError || error instanceof TokenFileError) {
      process.stderr.write(`reflex: ${error.message}\n`);
      process.exit(2);
    }
    const errno = (error as { code?: unknown } | null)?.code;
    process.stderr.write(`reflex: cannot start: ${(error as Error)?.message ?? error}${errno ? ` (${errno})` : ""}\n`);
    process.exit(3);
  },
);
