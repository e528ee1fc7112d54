import { describe, expect, test } from "bun:test";
import { createHmac } from "node:crypto";
import { keyedTenant } from "./keyed-tenant.ts";

const secret = new TextEncoder().encode("a server secret of some length");

describe("keyedTenant", () => {
  test("is the first 8 bytes of HMAC-SHA256 as a big-endian u64", () => {
    const digest = createHmac("sha256", secret).update("sk-one").digest();
    expect(keyedTenant(secret, "sk-one")).toBe(BigInt(`0x${digest.subarray(0, 8).toString("hex")}`));
  });

  test("differs by token and by secret, stable for both", () => {
    expect(keyedTenant(secret, "sk-one")).toBe(keyedTenant(secret, "sk-one"));
    expect(keyedTenant(secret, "sk-one")).not.toBe(keyedTenant(secret, "sk-two"));
    expect(keyedTenant(new TextEncoder().encode("another secret"), "sk-one")).not.toBe(keyedTenant(secret, "sk-one"));
  });
});
