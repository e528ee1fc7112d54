import { describe, expect, test } from "bun:test";
import { checkGatewayBinding } from "./bind-policy.ts";

function message(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error("expected a refusal");
}

const tls = { certFile: "c.pem", keyFile: "k.pem" };

describe("checkGatewayBinding", () => {
  test("loopback hosts need nothing", () => {
    for (const host of ["127.0.0.1", "::1", "localhost", "[::1]"]) {
      expect(checkGatewayBinding({ host, tokensFile: undefined })).toBe(false);
    }
  });

  test("another host needs a token file or the explicit pass-through opt-in", () => {
    const refused = message(() => checkGatewayBinding({ host: "0.0.0.0", tokensFile: undefined, tls }));
    expect(refused).toContain("without a token file");
    expect(refused).toContain("--allow-network-pass-through");
    expect(checkGatewayBinding({ host: "0.0.0.0", tokensFile: "t.json", tls })).toBe(false);
    expect(checkGatewayBinding({ host: "0.0.0.0", tokensFile: undefined, tls, allowNetworkPassThrough: true })).toBe(
      false,
    );
  });

  test("and TLS, or --allow-plain-http (then true: worth a notice), as the server's policy says", () => {
    const plain = message(() => checkGatewayBinding({ host: "10.0.0.5", tokensFile: "t.json" }));
    expect(plain).toContain("over plain http");
    expect(checkGatewayBinding({ host: "10.0.0.5", tokensFile: "t.json", allowPlainHttp: true })).toBe(true);
  });
});
