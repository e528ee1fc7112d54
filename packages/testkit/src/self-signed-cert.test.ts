import { afterEach, expect, test } from "bun:test";
import { createPrivateKey, X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { selfSignedCert } from "./self-signed-cert.ts";
import { removeTempDirs, tempDir } from "./temp-dirs.ts";

afterEach(removeTempDirs);

test("a one-day certificate for localhost and 127.0.0.1, with its matching key", () => {
  const made = selfSignedCert(tempDir("reflex-cert-"));
  const cert = new X509Certificate(readFileSync(made.certFile));
  expect(made.cert).toBe(readFileSync(made.certFile, "utf8"));
  expect(cert.subject).toBe("CN=localhost");
  expect(cert.subjectAltName).toContain("IP Address:127.0.0.1");
  expect(cert.subjectAltName).toContain("DNS:localhost");
  expect(cert.checkPrivateKey(createPrivateKey(readFileSync(made.keyFile)))).toBe(true);
  const lifetime = Date.parse(cert.validTo) - Date.parse(cert.validFrom);
  expect(lifetime).toBe(24 * 3600 * 1000);
});

test("two certificates in one dir are distinct (by name), and neither key fits the other", () => {
  const dir = tempDir("reflex-cert-");
  const a = selfSignedCert(dir, "a");
  const b = selfSignedCert(dir, "b", "other");
  expect(a.certFile).not.toBe(b.certFile);
  expect(new X509Certificate(b.cert).subject).toBe("CN=other");
  expect(new X509Certificate(a.cert).checkPrivateKey(createPrivateKey(readFileSync(b.keyFile)))).toBe(false);
});
