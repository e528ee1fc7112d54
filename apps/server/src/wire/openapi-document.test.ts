import { afterEach, describe, expect, test } from "bun:test";
import { call, errorOf, removeTestDirs, testApp, testTokens } from "../../test/helpers.ts";

afterEach(removeTestDirs);

interface Doc {
  paths: Record<
    string,
    Record<
      string,
      {
        security?: unknown;
        parameters?: { name: string; schema: { pattern?: string } }[];
        requestBody?: { content: Record<string, unknown> };
        responses: Record<string, { content?: Record<string, unknown> }>;
      }
    >
  >;
  components: { securitySchemes?: Record<string, unknown> };
}

async function documentOf(app: ReturnType<typeof testApp>["app"]): Promise<Doc> {
  const res = await call(app, "GET", "/openapi.json");
  expect(res.status).toBe(200);
  return (await res.json()) as Doc;
}

const ENTRY = "/v1/tenants/{tenant}/entries/{id}";

describe("/openapi.json is the truth of the server", () => {
  test("every protobuf answer and body is listed under both spellings the server uses", async () => {
    const doc = await documentOf(testApp().app);
    const answers = [
      doc.paths[ENTRY]?.get?.responses["200"]?.content,
      doc.paths["/v1/tenants/{tenant}/entries/batch-get"]?.post?.responses["200"]?.content,
      doc.paths["/v1/tenants/{tenant}/search"]?.post?.responses["200"]?.content,
      doc.paths[ENTRY]?.put?.requestBody?.content,
      doc.paths["/v1/tenants/{tenant}/search"]?.post?.requestBody?.content,
    ];
    for (const content of answers) {
      expect(Object.keys(content ?? {})).toEqual(
        expect.arrayContaining(["application/json", "application/x-protobuf", "application/protobuf"]),
      );
    }
  });

  test("auth off: no security requirement, no bearer scheme, no 401/403; auth on: all of them", async () => {
    const off = await documentOf(testApp().app);
    const operations = (doc: Doc) => Object.values(doc.paths).flatMap((item) => Object.values(item));
    expect(off.components.securitySchemes).toBeUndefined();
    for (const operation of operations(off)) {
      expect(operation.security).toBeUndefined();
      expect(Object.keys(operation.responses)).not.toContain("401");
      expect(Object.keys(operation.responses)).not.toContain("403");
    }
    const on = await documentOf(testApp({ tokens: testTokens() }).app);
    expect(on.components.securitySchemes?.bearerAuth).toBeDefined();
    expect(on.paths[ENTRY]?.get?.security).toEqual([{ bearerAuth: [] }]);
    expect(Object.keys(on.paths[ENTRY]?.get?.responses ?? {})).toContain("401");
    expect(on.paths["/healthz"]?.get?.security).toBeUndefined();
    expect(on.paths["/openapi.json"]?.get?.security).toBeUndefined();
  });

  test("ttl has the server's pattern; a too-long whole number is told so", async () => {
    const { app } = testApp();
    const doc = await documentOf(app);
    const ttl = (method: "put" | "post", path: string) =>
      doc.paths[path]?.[method]?.parameters?.find((p) => p.name === "ttl")?.schema.pattern;
    expect(ttl("put", ENTRY)).toBe("^(0|[1-9][0-9]{0,9})$");
    expect(ttl("post", `${ENTRY}/touch`)).toBe("^(0|[1-9][0-9]{0,9})$");
    const res = await call(app, "PUT", "/v1/tenants/1/entries/1?ttl=10000000000", { json: { payloadBlob: "" } });
    expect(res.status).toBe(400);
    expect((await errorOf(res)).message).toBe(
      "ttl must be a whole number of seconds of at most 10 digits (0: never expires)",
    );
  });
});

describe("query messages name the parameter", () => {
  test("touch without ttl, a repeated ttl, a repeated limit", async () => {
    const { app } = testApp();
    await call(app, "PUT", "/v1/tenants/1/entries/1", { json: { payloadBlob: "" } });
    const cases = [
      ["POST", "/v1/tenants/1/entries/1/touch", "ttl is required"],
      ["POST", "/v1/tenants/1/entries/1/touch?ttl=1&ttl=2", "ttl must be given once"],
      ["PUT", "/v1/tenants/1/entries/1?ttl=1&ttl=2", "ttl must be given once"],
      ["GET", "/v1/tenants/1/entries?limit=1&limit=2", "limit must be given once"],
      ["GET", "/v1/tenants/1/entries?after=1&after=2", "after must be given once"],
    ] as const;
    for (const [method, path, message] of cases) {
      const res = await call(app, method, path, method === "PUT" ? { json: { payloadBlob: "" } } : {});
      expect(res.status).toBe(400);
      expect(await errorOf(res)).toEqual({ code: "invalid_query", message });
    }
  });
});
