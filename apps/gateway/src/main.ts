/**
 * The gateway's command: `bun apps/gateway/src/main.ts [--upstream URL] [--port P] [--root DIR] ...`
 * (`--help` lists every flag). Prints `reflex gateway listening on <url>` as its first stdout
 * line; SIGTERM or SIGINT stops accepting, finishes requests in flight and exits 0.
 */

import { ConfigError, TokenFileError } from "@reflex/server";
import { loadGatewayConfig } from "./config.ts";
import { gatewayExitOnSignal } from "./exit-on-signal.ts";
import { startGateway } from "./server.ts";
import { GATEWAY_USAGE } from "./usage.ts";

async function main(): Promise<number> {
  const config = loadGatewayConfig(Bun.argv.slice(2), process.env);
  if (config.help) {
    process.stdout.write(GATEWAY_USAGE);
    return 0;
  }
  const gateway = await startGateway(config);
  const stopped = gatewayExitOnSignal(gateway);
  process.stdout.write(`reflex gateway listening on ${gateway.url}\n`);
  return stopped;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof ConfigError || error instanceof TokenFileError) {
      process.stderr.write(`reflex-gateway: ${error.message}\n`);
      process.exit(2);
    }
    process.stderr.write(`reflex-gateway: cannot start: ${(error as Error)?.message ?? error}\n`);
    process.exit(3);
  },
);
