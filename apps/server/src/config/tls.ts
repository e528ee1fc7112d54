// TLS of the server: which files (flags, env) and what is in them (checked before Bun.serve,
// whose own errors name neither the file nor the flag).
import { createPrivateKey, type KeyObject, X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import type { ParseArgsOptionsConfig } from "node:util";
import { ConfigError } from "./config-error.ts";

/** The certificate and key files of an https server. */
export interface TlsConfig {
  /** PEM certificate, optionally followed by its intermediates. */
  readonly certFile: string;
  /** PEM private key of the certificate, unencrypted. */
  readonly keyFile: string;
}

/** The `parseArgs` options of TLS: `--tls-cert`, `--tls-key`, `--allow-plain-http`. */
export const TLS_OPTIONS = {
  "tls-cert": { type: "string" },
  "tls-key": { type: "string" },
  "allow-plain-http": { type: "boolean" },
} as const satisfies ParseArgsOptionsConfig;

/** A boolean env value: 1/true/yes or 0/false/no (any case); empty is unset. */
function envFlag(text: string | undefined, what: string): boolean {
  const value = text?.trim().toLowerCase() ?? "";
  if (value === "" || value === "0" || value === "false" || value === "no") return false;
  if (value === "1" || value === "true" || value === "yes") return true;
  throw new ConfigError(`${what} must be 1 or 0 (true/false), got ${JSON.stringify(text)}`);
}

/**
 * The TLS part of the server's config: `--tls-cert`/`--tls-key` (else `REFLEX_TLS_CERT`/
 * `REFLEX_TLS_KEY`; each flag wins over its env), both or neither; `--allow-plain-http`
 * (else `REFLEX_ALLOW_PLAIN_HTTP=1`). Only the paths: {@link readTlsFiles} reads them.
 * Fields that are off are left out.
 */
export function tlsConfig(
  flag: (name: string) => string | undefined,
  allowPlainHttpFlag: boolean,
  env: Readonly<Record<string, string | undefined>>,
): { tls?: TlsConfig; allowPlainHttp?: true } {
  const nonEmpty = (value: string | undefined) => (value?.trim() ? value : undefined);
  const certFile = flag("tls-cert") ?? nonEmpty(env.REFLEX_TLS_CERT);
  const keyFile = flag("tls-key") ?? nonEmpty(env.REFLEX_TLS_KEY);
  if ((certFile === undefined) !== (keyFile === undefined)) {
    const [given, missing] =
      certFile === undefined
        ? ["--tls-key (REFLEX_TLS_KEY)", "--tls-cert FILE (REFLEX_TLS_CERT)"]
        : ["--tls-cert (REFLEX_TLS_CERT)", "--tls-key FILE (REFLEX_TLS_KEY)"];
    throw new ConfigError(`${given} is given without ${missing}: https needs both the certificate and its key`);
  }
  const allowPlainHttp = allowPlainHttpFlag || envFlag(env.REFLEX_ALLOW_PLAIN_HTTP, "REFLEX_ALLOW_PLAIN_HTTP");
  return {
    ...(certFile === undefined || keyFile === undefined ? {} : { tls: { certFile, keyFile } }),
    ...(allowPlainHttp ? { allowPlainHttp: true } : {}),
  };
}

/** What {@link readTlsFiles} read: the PEM texts for `Bun.serve`'s `tls`, and warnings to log. */
export interface TlsMaterial {
  readonly cert: string;
  readonly key: string;
  /** Not fatal, but clients will refuse it: an expired or not yet valid certificate. */
  readonly warnings: readonly string[];
}

const READ_FAILURES: Record<string, string> = {
  ENOENT: "no such file",
  EACCES: "permission denied",
  EISDIR: "it is a directory",
};

function readPem(file: string, what: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (error) {
    const code = (error as { code?: string }).code ?? "";
    throw new ConfigError(`cannot read the TLS ${what} ${file}: ${READ_FAILURES[code] ?? (error as Error).message}`);
  }
}

/**
 * Reads and checks the files of `tls` once, at start: the certificate parses, the key
 * parses, and the key is the certificate's. Each failure is a {@link ConfigError} naming
 * the file. The texts returned are what was checked, so they are what is served.
 */
export function readTlsFiles(tls: TlsConfig, now = new Date()): TlsMaterial {
  const cert = readPem(tls.certFile, "certificate (--tls-cert)");
  const key = readPem(tls.keyFile, "key (--tls-key)");
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(cert);
  } catch {
    const swapped = /-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(cert)
      ? " (it holds a private key: --tls-cert and --tls-key swapped?)"
      : "";
    throw new ConfigError(`the TLS certificate ${tls.certFile} is not a PEM certificate${swapped}`);
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(key);
  } catch (error) {
    const encrypted = /ENCRYPTED/.test(key)
      ? " (an encrypted key: decrypt it, e.g. openssl pkey -in KEY -out PLAIN)"
      : "";
    const detail = encrypted || ` (${(error as Error).message})`;
    throw new ConfigError(`the TLS key ${tls.keyFile} is not a usable PEM private key${detail}`);
  }
  if (!certificate.checkPrivateKey(privateKey)) {
    throw new ConfigError(`the TLS key ${tls.keyFile} does not belong to the certificate ${tls.certFile}`);
  }
  const warnings: string[] = [];
  if (Date.parse(certificate.validTo) < now.getTime()) {
    warnings.push(`the TLS certificate ${tls.certFile} expired on ${certificate.validTo}: clients will refuse it`);
  } else if (Date.parse(certificate.validFrom) > now.getTime()) {
    warnings.push(`the TLS certificate ${tls.certFile} is not valid before ${certificate.validFrom}`);
  }
  return { cert, key, warnings };
}
