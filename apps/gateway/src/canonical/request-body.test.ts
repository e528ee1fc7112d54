import { describe, expect, test } from "bun:test";
import { isGatewayError } from "../gateway-error.ts";
import { parseRequestBody } from "./request-body.ts";

function failure(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error("expected a failure");
}

describe("parseRequestBody", () => {
  test("reads model, stream, usage and temperature of a chat request", () => {
    const body = parseRequestBody(
      "chat.completions",
      '{"model":"m","messages":[],"stream":true,"stream_options":{"include_usage":true},"temperature":0.7}',
    );
    expect(body.model).toBe("m");
    expect(body.stream).toBe(true);
    expect(body.includeUsage).toBe(true);
    expect(body.temperature).toBe(0.7);
  });

  test("a non-stream request never includes usage chunks and embeddings never stream", () => {
    expect(parseRequestBody("chat.completions", '{"model":"m","messages":[]}').stream).toBe(false);
    const embeddings = parseRequestBody("embeddings", '{"model":"e","input":"x","stream":true}');
    expect(embeddings.stream).toBe(false);
    expect(embeddings.includeUsage).toBe(false);
  });

  test("refuses what is not JSON, not an object, has no model or no messages array", () => {
    expect(
      isGatewayError(
        failure(() => parseRequestBody("chat.completions", "{nope")),
        "invalid_json",
      ),
    ).toBe(true);
    for (const text of ["[]", '"x"', '{"messages":[]}', '{"model":"","messages":[]}', '{"model":"m"}']) {
      expect(
        isGatewayError(
          failure(() => parseRequestBody("chat.completions", text)),
          "invalid_request",
        ),
      ).toBe(true);
    }
    const notArray = failure(() => parseRequestBody("chat.completions", '{"model":"m","messages":{"a":1}}'));
    expect(isGatewayError(notArray, "invalid_request")).toBe(true);
    expect((notArray as Error).message).toContain("messages");
    expect(
      isGatewayError(
        failure(() => parseRequestBody("embeddings", '{"model":"e"}')),
        "invalid_request",
      ),
    ).toBe(true);
  });

  test("an error message never quotes the body", () => {
    const error = failure(() => parseRequestBody("chat.completions", '{"model":"m","messages":"secret prompt"}'));
    expect((error as Error).message).not.toContain("secret");
  });
});
