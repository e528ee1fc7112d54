import {
  GATEWAY_USAGE,
  gatewayExitOnSignal,
  loadGatewayConfig,
  type RunningGateway,
  startGateway,
} from "@reflex/gateway";
import { ConfigError, TokenFileError } from "@reflex/server";
import type { Command } from "../command.ts";
import { ExitCode, UsageError } from "../exit-codes.ts";

/** `reflex gateway`: the OpenAI-compatible caching gateway (apps/gateway) over the store, until SIGTERM or SIGINT. */
export const gatewayCommand: Command = {
  name: "gateway",
  summary: "serve the OpenAI-compatible caching gateway (until SIGTERM/SIGINT)",
  help: `Usage: reflex gateway [--upstream URL] [--root DIR | --redis-cluster HOST:PORT,...] [--host H] [--port P]
                      [--tls-cert FILE --tls-key FILE] [--secret TEXT | --tokens FILE] [options]

Serves the caching gateway (apps/gateway): point an OpenAI SDK at it with
  export OPENAI_BASE_URL=http://127.0.0.1:8080/v1
and a repeated request is answered from the store (X-Reflex-Cache: hit). Prints
"reflex gateway listening on <url>" once it accepts requests (https://... with a certificate);
SIGTERM or SIGINT stops accepting, finishes requests in flight and the cache writes they
started, and exits 0. --host, --port, --root, --redis-cluster, --tls-cert, --tls-key and
--allow-plain-http mean what they mean to \`reflex serve\`. A loopback host needs nothing more;
any other needs --tokens (or --allow-network-pass-through) and TLS (or --allow-plain-http).
One writer per root: \`reflex serve\` and \`reflex gateway\` cannot write one root at once
(give the gateway a root of its own, or both --redis-cluster).

${GATEWAY_USAGE.replace(/^[\s\S]*?\nthen: .*\n\n/, "")}
Exit status: 0 stopped cleanly, 1 shutdown timed out, 2 usage error (bad flag, bad token file,
bad certificate or key, non-loopback host without tokens or TLS), 3 cannot start (port in use,
root held by another writer, cluster unreachable)
`,
  async run(args, io) {
    let config: ReturnType<typeof loadGatewayConfig>;
    try {
      config = loadGatewayConfig(args, io.env);
    } catch (error) {
      if (error instanceof ConfigError) throw new UsageError(`gateway: ${error.message}`);
      throw error;
    }
    let running: RunningGateway;
    try {
      running = await startGateway(config);
    } catch (error) {
      if (error instanceof ConfigError || error instanceof TokenFileError) throw new UsageError(error.message);
      throw error;
    }
    const stopped = gatewayExitOnSignal(running).then((code) => (code === 0 ? ExitCode.ok : ExitCode.checkFailed));
    // Only once the handlers are in place: whoever waits for this line may signal at once.
    await io.stdout.write(`reflex gateway listening on ${running.url}\n`);
    return stopped;
  },
};
