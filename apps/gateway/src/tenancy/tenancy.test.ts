import { describe, expect, test } from "bun:test";
import { TokenSet } from "@reflex/server";
import { thrownBy } from "@reflex/testkit";
import { isGatewayError } from "../gateway-error.ts";
import { keyedTenant } from "./keyed-tenant.ts";
import { ANONYMOUS_TENANT, passThroughTenancy, tokenFileTenancy } from "./tenancy.ts";

const secret = new TextEncoder().encode("secret for tests, 32 bytes long!");

describe("pass-through tenancy", () => {
  const tenancy = passThroughTenancy({ secret, allowAnonymous: false });

  test("the tenant is the keyed hash of the token and the header goes upstream as is", () => {
    const caller = tenancy.resolve("Bearer sk-one");
    expect(caller.tenant).toBe(keyedTenant(secret, "sk-one"));
    expect(caller.upstreamAuthorization).toBe("Bearer sk-one");
    expect(caller.name).toBe("keyed");
    expect(tenancy.resolve("Bearer sk-two").tenant).not.toBe(caller.tenant);
  });

  test("no credential is 401 unless anonymous callers are allowed", () => {
    expect(
      isGatewayError(
        thrownBy(() => tenancy.resolve(null)),
        "missing_credentials",
      ),
    ).toBe(true);
    expect(
      isGatewayError(
        thrownBy(() => tenancy.resolve("Basic x")),
        "invalid_credentials",
      ),
    ).toBe(true);
    const open = passThroughTenancy({ secret, allowAnonymous: true });
    expect(open.resolve(null)).toEqual({
      tenant: ANONYMOUS_TENANT,
      upstreamAuthorization: undefined,
      name: "anonymous",
    });
    expect(
      isGatewayError(
        thrownBy(() => open.resolve("Basic x")),
        "invalid_credentials",
      ),
    ).toBe(true);
  });
});

describe("token-file tenancy", () => {
  const tokens = TokenSet.fromJson({
    tokens: [
      { name: "app-a", token: "gateway-token-aaaa", tenants: ["7"] },
      { name: "app-b", token: "gateway-token-bbbb", tenants: ["8", "9"] },
    ],
  });
  const tenancy = tokenFileTenancy({ tokens, upstreamKey: "sk-upstream", allowAnonymous: false });

  test("a known token gives its tenant and the gateway's upstream key", () => {
    expect(tenancy.resolve("Bearer gateway-token-aaaa")).toEqual({
      tenant: 7n,
      upstreamAuthorization: "Bearer sk-upstream",
      name: "app-a",
    });
  });

  test("an unknown token, or one granting several tenants, is refused", () => {
    expect(
      isGatewayError(
        thrownBy(() => tenancy.resolve("Bearer unknown-token-xx")),
        "invalid_credentials",
      ),
    ).toBe(true);
    expect(
      isGatewayError(
        thrownBy(() => tenancy.resolve("Bearer gateway-token-bbbb")),
        "invalid_credentials",
      ),
    ).toBe(true);
    expect(
      isGatewayError(
        thrownBy(() => tenancy.resolve(null)),
        "missing_credentials",
      ),
    ).toBe(true);
  });

  test("anonymous callers, when allowed, share the anonymous tenant and the upstream key", () => {
    const open = tokenFileTenancy({ tokens, upstreamKey: "sk-upstream", allowAnonymous: true });
    expect(open.resolve(null)).toEqual({
      tenant: ANONYMOUS_TENANT,
      upstreamAuthorization: "Bearer sk-upstream",
      name: "anonymous",
    });
  });
});
