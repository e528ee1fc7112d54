// Which addresses the server may bind, given its auth and transport: tokens never cross a
// network in clear, and a server without tokens is reachable from this machine only.
import { ConfigError } from "./config-error.ts";

/** True for addresses only this machine can reach: 127.0.0.0/8, ::1, localhost. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
  const lower = bare.toLowerCase();
  if (lower === "localhost" || lower === "::1" || lower === "0:0:0:0:0:0:0:1") return true;
  if (lower.startsWith("::ffff:")) return isLoopbackHost(lower.slice(7));
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(lower);
}

/** What {@link checkBinding} decides on. */
export interface Binding {
  readonly host: string;
  /** A token file is configured (auth on). */
  readonly tokens: boolean;
  /** A certificate and key are configured (https). */
  readonly tls: boolean;
  /** `--allow-plain-http`: a proxy in front terminates TLS. */
  readonly allowPlainHttp: boolean;
}

/**
 * Throws a {@link ConfigError} saying what to set unless `binding` is allowed: a loopback
 * host always is; any other needs tokens and, unless `allowPlainHttp`, TLS.
 * Returns true when the server will take tokens over plain http on a non-loopback host
 * (allowed by `allowPlainHttp`: worth a warning at start).
 */
export function checkBinding(binding: Binding): boolean {
  if (isLoopbackHost(binding.host)) return false;
  const host = binding.host;
  if (!binding.tokens) {
    throw new ConfigError(
      `refusing to listen on ${host} without tokens: anyone who can reach it could read and write every tenant. ` +
        "Set REFLEX_TOKENS (or --tokens) to a token file and give a certificate (--tls-cert FILE --tls-key FILE), " +
        "or bind a loopback address such as 127.0.0.1.",
    );
  }
  if (binding.tls) return false;
  if (binding.allowPlainHttp) return true;
  throw new ConfigError(
    `refusing to listen on ${host} over plain http: bearer tokens would cross the network in clear. ` +
      "Give a certificate with --tls-cert FILE --tls-key FILE (REFLEX_TLS_CERT, REFLEX_TLS_KEY); " +
      "behind a proxy that terminates TLS, set --allow-plain-http (REFLEX_ALLOW_PLAIN_HTTP=1); " +
      "or bind a loopback address such as 127.0.0.1.",
  );
}
