import { afterEach, describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { removeTempDirs, selfSignedCert, tempDir } from "@reflex/testkit";
import { ConfigError } from "./config-error.ts";
import { readTlsFiles, tlsConfig } from "./tls.ts";

afterEach(removeTempDirs);

const noFlags = () => undefined;
const flags = (values: Record<string, string>) => (name: string) => values[name];

describe("tlsConfig", () => {
  test("neither file: no tls, plain http not allowed", () => {
    expect(tlsConfig(noFlags, false, {})).toEqual({});
  });

  test("both from env, both from flags, and each flag over its env", () => {
    const env = { REFLEX_TLS_CERT: "/env/cert.pem", REFLEX_TLS_KEY: "/env/key.pem" };
    expect(tlsConfig(noFlags, false, env)).toEqual({ tls: { certFile: "/env/cert.pem", keyFile: "/env/key.pem" } });
    expect(tlsConfig(flags({ "tls-cert": "/f/c.pem", "tls-key": "/f/k.pem" }), false, {})).toEqual({
      tls: { certFile: "/f/c.pem", keyFile: "/f/k.pem" },
    });
    expect(tlsConfig(flags({ "tls-cert": "/f/c.pem" }), false, env)).toEqual({
      tls: { certFile: "/f/c.pem", keyFile: "/env/key.pem" },
    });
  });

  test("one without the other is a ConfigError that names what is missing", () => {
    expect(() => tlsConfig(flags({ "tls-cert": "/c.pem" }), false, {})).toThrow(ConfigError);
    expect(() => tlsConfig(flags({ "tls-cert": "/c.pem" }), false, {})).toThrow(
      "--tls-cert (REFLEX_TLS_CERT) is given without --tls-key FILE (REFLEX_TLS_KEY)",
    );
    expect(() => tlsConfig(noFlags, false, { REFLEX_TLS_KEY: "/k.pem" })).toThrow(
      "--tls-key (REFLEX_TLS_KEY) is given without --tls-cert FILE (REFLEX_TLS_CERT)",
    );
    // an empty env value counts as unset
    expect(() => tlsConfig(noFlags, false, { REFLEX_TLS_CERT: "/c.pem", REFLEX_TLS_KEY: " " })).toThrow(ConfigError);
  });

  test("--allow-plain-http, or REFLEX_ALLOW_PLAIN_HTTP=1/true/yes; 0/false/no/empty are off; anything else refused", () => {
    expect(tlsConfig(noFlags, true, {})).toEqual({ allowPlainHttp: true });
    for (const on of ["1", "true", "YES"]) {
      expect(tlsConfig(noFlags, false, { REFLEX_ALLOW_PLAIN_HTTP: on })).toEqual({ allowPlainHttp: true });
    }
    for (const off of ["0", "false", "No", ""]) {
      expect(tlsConfig(noFlags, false, { REFLEX_ALLOW_PLAIN_HTTP: off })).toEqual({});
    }
    expect(() => tlsConfig(noFlags, false, { REFLEX_ALLOW_PLAIN_HTTP: "maybe" })).toThrow(
      'REFLEX_ALLOW_PLAIN_HTTP must be 1 or 0 (true/false), got "maybe"',
    );
  });
});

describe("readTlsFiles", () => {
  test("a matching certificate and key: their PEM texts, no warnings", () => {
    const made = selfSignedCert(tempDir("reflex-tls-"));
    const material = readTlsFiles({ certFile: made.certFile, keyFile: made.keyFile });
    expect(material.cert).toBe(made.cert);
    expect(material.key).toBe(readFileSync(made.keyFile, "utf8"));
    expect(material.warnings).toEqual([]);
  });

  test("each unusable file is a ConfigError naming it", () => {
    const dir = tempDir("reflex-tls-");
    const a = selfSignedCert(dir, "a");
    const b = selfSignedCert(dir, "b");
    const junk = join(dir, "junk.pem");
    writeFileSync(junk, "not a pem file\n");
    const missing = join(dir, "missing.pem");
    const cases: [string, string, string][] = [
      [missing, a.keyFile, `cannot read the TLS certificate (--tls-cert) ${missing}: no such file`],
      [a.certFile, missing, `cannot read the TLS key (--tls-key) ${missing}: no such file`],
      [dir, a.keyFile, `cannot read the TLS certificate (--tls-cert) ${dir}: it is a directory`],
      [junk, a.keyFile, `the TLS certificate ${junk} is not a PEM certificate`],
      [a.keyFile, a.certFile, "(it holds a private key: --tls-cert and --tls-key swapped?)"],
      [a.certFile, junk, `the TLS key ${junk} is not a usable PEM private key`],
      [a.certFile, b.keyFile, `the TLS key ${b.keyFile} does not belong to the certificate ${a.certFile}`],
    ];
    for (const [certFile, keyFile, message] of cases) {
      expect(() => readTlsFiles({ certFile, keyFile })).toThrow(ConfigError);
      expect(() => readTlsFiles({ certFile, keyFile })).toThrow(message);
    }
  });

  test("an encrypted key says so and how to decrypt it", () => {
    const made = selfSignedCert(tempDir("reflex-tls-"));
    const encrypted = `${made.keyFile}.enc`;
    const result = Bun.spawnSync([
      "/usr/bin/openssl",
      "pkey",
      "-in",
      made.keyFile,
      "-aes256",
      "-passout",
      "pass:secret",
      "-out",
      encrypted,
    ]);
    expect(result.exitCode).toBe(0);
    expect(() => readTlsFiles({ certFile: made.certFile, keyFile: encrypted })).toThrow("an encrypted key: decrypt it");
  });

  test("a certificate outside its validity is served with a warning", () => {
    const made = selfSignedCert(tempDir("reflex-tls-"));
    const later = new Date(Date.now() + 3 * 24 * 3600 * 1000);
    expect(readTlsFiles(made, later).warnings).toEqual([expect.stringContaining("expired on")]);
    const earlier = new Date(Date.now() - 3 * 24 * 3600 * 1000);
    expect(readTlsFiles(made, earlier).warnings).toEqual([expect.stringContaining("is not valid before")]);
  });
});
