import { describe, expect, test } from "bun:test";
import { errorResponse, GATEWAY_ERRORS, GatewayError, isGatewayError, openAiErrorBody } from "./gateway-error.ts";

describe("GatewayError", () => {
  test("carries its code and the code's status", () => {
    const error = new GatewayError("upstream_timeout", "the upstream did not answer in time");
    expect(error.code).toBe("upstream_timeout");
    expect(error.status).toBe(504);
    expect(error.name).toBe("ReflexGatewayError");
  });

  test("the guard checks name and code, not the class", () => {
    const lookalike = { name: "ReflexGatewayError", code: "invalid_json", message: "x" };
    expect(isGatewayError(lookalike)).toBe(true);
    expect(isGatewayError(lookalike, "invalid_json")).toBe(true);
    expect(isGatewayError(lookalike, "not_found")).toBe(false);
    expect(isGatewayError({ name: "ReflexGatewayError", code: "no_such_code" })).toBe(false);
    expect(isGatewayError(new Error("plain"))).toBe(false);
    expect(isGatewayError(null)).toBe(false);
  });

  test("answers in OpenAI's error shape with the code's status", async () => {
    const response = errorResponse(new GatewayError("body_too_large", "the body is over 20 MB"));
    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({
      error: { message: "the body is over 20 MB", type: "invalid_request_error", code: "body_too_large", param: null },
    });
  });

  test("every code maps to a 4xx or 5xx status and a type", () => {
    for (const [code, { status, type }] of Object.entries(GATEWAY_ERRORS)) {
      expect(status).toBeGreaterThanOrEqual(400);
      expect(status).toBeLessThan(600);
      expect(openAiErrorBody(code as keyof typeof GATEWAY_ERRORS, "m").error.type).toBe(type);
    }
  });
});
