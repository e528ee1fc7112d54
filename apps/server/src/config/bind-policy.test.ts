import { describe, expect, test } from "bun:test";
import { checkBinding, isLoopbackHost } from "./bind-policy.ts";
import { ConfigError } from "./config-error.ts";

describe("isLoopbackHost", () => {
  test("127.0.0.0/8, ::1 (bracketed or long), ::ffff:127.x and localhost are loopback", () => {
    for (const host of ["127.0.0.1", "127.1.2.3", "::1", "[::1]", "0:0:0:0:0:0:0:1", "::ffff:127.0.0.1", "LocalHost"]) {
      expect(isLoopbackHost(host)).toBe(true);
    }
  });

  test("wildcards and other addresses are not", () => {
    for (const host of [
      "0.0.0.0",
      "::",
      "[::]",
      "10.0.0.1",
      "192.168.1.2",
      "::ffff:10.0.0.1",
      "example.com",
      "128.0.0.1",
    ]) {
      expect(isLoopbackHost(host)).toBe(false);
    }
  });
});

describe("checkBinding", () => {
  const off = { tokens: false, tls: false, allowPlainHttp: false };

  test("loopback is allowed with neither tokens nor TLS", () => {
    expect(checkBinding({ host: "127.0.0.1", ...off })).toBe(false);
    expect(checkBinding({ host: "::1", ...off, tokens: true })).toBe(false);
  });

  test("a non-loopback host without tokens is refused, whatever the transport, saying what to set", () => {
    for (const transport of [{}, { tls: true }, { allowPlainHttp: true }]) {
      const binding = { host: "0.0.0.0", ...off, ...transport };
      expect(() => checkBinding(binding)).toThrow(ConfigError);
      expect(() => checkBinding(binding)).toThrow("refusing to listen on 0.0.0.0 without tokens");
      expect(() => checkBinding(binding)).toThrow("REFLEX_TOKENS");
    }
  });

  test("tokens without TLS are refused on a non-loopback host, naming the TLS flags and the opt-out", () => {
    const binding = { host: "10.1.2.3", ...off, tokens: true };
    expect(() => checkBinding(binding)).toThrow(ConfigError);
    expect(() => checkBinding(binding)).toThrow(
      "refusing to listen on 10.1.2.3 over plain http: bearer tokens would cross the network in clear",
    );
    expect(() => checkBinding(binding)).toThrow("--tls-cert FILE --tls-key FILE");
    expect(() => checkBinding(binding)).toThrow("--allow-plain-http (REFLEX_ALLOW_PLAIN_HTTP=1)");
  });

  test("tokens and TLS bind anywhere; tokens and the opt-out too, flagged for a warning", () => {
    expect(checkBinding({ host: "0.0.0.0", ...off, tokens: true, tls: true })).toBe(false);
    expect(checkBinding({ host: "::", ...off, tokens: true, allowPlainHttp: true })).toBe(true);
    expect(checkBinding({ host: "::", ...off, tokens: true, tls: true, allowPlainHttp: true })).toBe(false);
  });
});
