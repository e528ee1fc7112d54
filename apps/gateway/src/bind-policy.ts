import { ConfigError, checkBinding, isLoopbackHost } from "@reflex/server";
import type { GatewayConfig } from "./config.ts";

/**
 * The store server's bind policy, for the gateway: a loopback host is always allowed; any
 * other needs a credential check (a token file, or `--allow-network-pass-through` where each
 * client's own provider key is its credential) and, since bearer keys must never cross a
 * network in clear, TLS or `--allow-plain-http` (the server's `checkBinding`, same flags).
 * Throws a `ConfigError` saying what to set; returns true when plain http on a network
 * was allowed (worth a notice at start).
 *
 * @example const plainOnNetwork = checkGatewayBinding(config);
 */
export function checkGatewayBinding(
  config: Pick<GatewayConfig, "host" | "tokensFile" | "tls" | "allowPlainHttp" | "allowNetworkPassThrough">,
): boolean {
  if (isLoopbackHost(config.host)) return false;
  if (config.tokensFile === undefined && config.allowNetworkPassThrough !== true) {
    throw new ConfigError(
      `refusing to listen on ${config.host} without a token file: anyone who can reach it could use the cache ` +
        "and the upstream through it. Give --tokens FILE (REFLEX_GATEWAY_TOKENS), or --allow-network-pass-through " +
        "when every client sends its own provider key, or bind a loopback address such as 127.0.0.1.",
    );
  }
  return checkBinding({
    host: config.host,
    tokens: true,
    tls: config.tls !== undefined,
    allowPlainHttp: config.allowPlainHttp === true,
  });
}
