// A throwaway TLS certificate for tests that serve https on loopback.
import { readFileSync } from "node:fs";
import { join } from "node:path";

/** A self-signed certificate and its key, as files and as PEM text. */
export interface SelfSignedCert {
  /** Path of the PEM certificate (also its own CA: pass {@link cert} as a client's `ca`). */
  readonly certFile: string;
  /** Path of the PEM private key (unencrypted). */
  readonly keyFile: string;
  /** The certificate's PEM text. */
  readonly cert: string;
}

/** Where openssl lives (Debian's path); `OPENSSL` overrides it. */
const OPENSSL = process.env.OPENSSL ?? "/usr/bin/openssl";

/**
 * Makes a P-256 certificate valid for one day for `localhost` and `127.0.0.1`, with
 * `openssl req -x509`, into `dir` as `<name>-cert.pem` and `<name>-key.pem`.
 * Throws with openssl's stderr when openssl fails.
 *
 * @example
 * const { certFile, keyFile, cert } = selfSignedCert(tempDir());
 * await fetch("https://127.0.0.1:8443/healthz", { tls: { ca: cert } });
 */
export function selfSignedCert(dir: string, name = "server", commonName = "localhost"): SelfSignedCert {
  const certFile = join(dir, `${name}-cert.pem`);
  const keyFile = join(dir, `${name}-key.pem`);
  const result = Bun.spawnSync(
    [
      OPENSSL,
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-days",
      "1",
      "-subj",
      `/CN=${commonName}`,
      "-addext",
      "subjectAltName=IP:127.0.0.1,DNS:localhost",
      "-keyout",
      keyFile,
      "-out",
      certFile,
    ],
    { stdout: "pipe", stderr: "pipe" },
  );
  if (result.exitCode !== 0) {
    throw new Error(`openssl req failed (exit ${result.exitCode}): ${result.stderr.toString()}`);
  }
  return { certFile, keyFile, cert: readFileSync(certFile, "utf8") };
}
