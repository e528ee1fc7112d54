import { describe, expect, test } from "bun:test";
import { isGatewayError } from "../gateway-error.ts";
import { readBodyLimited } from "./read-body.ts";

async function failure(run: () => Promise<unknown>): Promise<unknown> {
  try {
    await run();
  } catch (error) {
    return error;
  }
  throw new Error("expected a failure");
}

describe("readBodyLimited", () => {
  test("reads a body within the limit", async () => {
    const request = new Request("http://x/", { method: "POST", body: "héllo" });
    expect(await readBodyLimited(request, 100)).toBe("héllo");
    expect(await readBodyLimited(new Request("http://x/"), 100)).toBe("");
  });

  test("refuses a declared length over the limit", async () => {
    const request = new Request("http://x/", {
      method: "POST",
      body: "0123456789",
      headers: { "content-length": "10" },
    });
    expect(isGatewayError(await failure(() => readBodyLimited(request, 5)), "body_too_large")).toBe(true);
  });

  test("refuses a streamed body once it passes the limit", async () => {
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.enqueue(new Uint8Array(4));
      },
    });
    const request = new Request("http://x/", { method: "POST", body, duplex: "half" } as RequestInit);
    expect(isGatewayError(await failure(() => readBodyLimited(request, 10)), "body_too_large")).toBe(true);
  });

  test("a declared length within the limit is read at once, and still checked against the limit", async () => {
    const within = new Request("http://x/", { method: "POST", body: "héllo", headers: { "content-length": "6" } });
    expect(await readBodyLimited(within, 6)).toBe("héllo");
    const lying = new Request("http://x/", { method: "POST", body: "0123456789", headers: { "content-length": "4" } });
    expect(isGatewayError(await failure(() => readBodyLimited(lying, 5)), "body_too_large")).toBe(true);
  });
});
