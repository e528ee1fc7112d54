import { ConfigError, exitCodeOnSignal, loadConfig, notice, startServer, TokenFileError, USAGE } from "@reflex/server";
import type { Command } from "../command.ts";
import { ExitCode, UsageError } from "../exit-codes.ts";

/** `reflex serve`: the HTTP API of apps/server over the store, until SIGTERM or SIGINT. */
export const serveCommand: Command = {
  name: "serve",
  summary: "serve the HTTP API over the store (until SIGTERM/SIGINT)",
  help: `Usage: reflex serve [--root DIR] [--host H] [--port P] [--tokens FILE] [--tls-cert FILE --tls-key FILE]
                    [--allow-plain-http] [--max-body SIZE] [bounds] [--log-format F]

Serves the HTTP API (apps/server) over the store. Prints "reflex listening on <url>" once it
accepts requests (https://... with a certificate); SIGTERM or SIGINT stops accepting, finishes
in-flight requests and exits 0. A loopback host needs nothing more. Any other host needs a token
file and TLS (--tls-cert/--tls-key), or --allow-plain-http when a proxy in front terminates TLS.

${USAGE.replace(/^usage: .*\n\n/, "")}
Exit status: 0 stopped cleanly, 1 shutdown timed out, 2 usage error (bad flag, bad token file,
bad certificate or key, non-loopback host without tokens or TLS), 3 cannot start (port in use,
storage unavailable)
`,
  async run(args, io) {
    let config: ReturnType<typeof loadConfig>;
    try {
      config = loadConfig(args, io.env);
    } catch (error) {
      if (error instanceof ConfigError) throw new UsageError(`serve: ${error.message}`);
      throw error;
    }
    let running: Awaited<ReturnType<typeof startServer>>;
    try {
      running = await startServer(config);
    } catch (error) {
      if (error instanceof ConfigError || error instanceof TokenFileError) throw new UsageError(error.message);
      throw error;
    }
    const stopped = exitCodeOnSignal(running, (line) => notice(running.logger, line)).then((code) =>
      code === 0 ? ExitCode.ok : ExitCode.checkFailed,
    );
    // Only once the handlers are in place: whoever waits for this line may signal at once.
    await io.stdout.write(`reflex listening on ${running.url}\n`);
    return stopped;
  },
};
