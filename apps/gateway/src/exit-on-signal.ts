import { notice } from "@reflex/server";
import type { RunningGateway } from "./server.ts";

/**
 * Shuts `gateway` down on the first SIGTERM or SIGINT (stop accepting, finish requests in
 * flight and the cache writes they started) and resolves with the exit code: 0 when
 * everything finished, 1 when the shutdown timeout cut requests short. A second signal exits
 * at once with 130. Installs its handlers before it returns: only then announce the gateway.
 * Used by the gateway's main.ts and by `reflex gateway`.
 *
 * @example
 * const stopped = gatewayExitOnSignal(gateway);
 * process.stdout.write(`reflex gateway listening on ${gateway.url}\n`);
 * process.exit(await stopped);
 */
export function gatewayExitOnSignal(gateway: RunningGateway): Promise<number> {
  return new Promise((resolve) => {
    let signals = 0;
    const stop = (signal: NodeJS.Signals) => {
      if (++signals > 1) process.exit(130);
      notice(gateway.deps.logger, `reflex-gateway: ${signal}, finishing requests in flight`);
      gateway.shutdown().then((drained) => resolve(drained ? 0 : 1));
    };
    process.on("SIGTERM", stop);
    process.on("SIGINT", stop);
  });
}
