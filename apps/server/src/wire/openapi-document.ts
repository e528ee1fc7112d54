import { PROTOBUF_TYPE, PROTOBUF_TYPE_ALIAS } from "./content.ts";

/** The parts of an OpenAPI 3.1 document that {@link finishOpenApiDocument} reads and rewrites. */
interface MediaTypes {
  [type: string]: unknown;
}
interface Operation {
  security?: unknown;
  requestBody?: { content?: MediaTypes };
  responses?: Record<string, { content?: MediaTypes } | undefined>;
}
interface Document {
  paths?: Record<string, Record<string, Operation | unknown>>;
  components?: { securitySchemes?: Record<string, unknown> };
}

const METHODS = new Set(["get", "put", "post", "delete", "head", "patch", "options"]);

/** Adds `application/protobuf` wherever `application/x-protobuf` is: the server takes and answers both spellings. */
function withProtobufAlias(content: MediaTypes | undefined): void {
  if (content === undefined) return;
  const protobuf = content[PROTOBUF_TYPE];
  if (protobuf !== undefined && content[PROTOBUF_TYPE_ALIAS] === undefined) content[PROTOBUF_TYPE_ALIAS] = protobuf;
}

/**
 * Makes the generated document the truth of this server: every protobuf body and answer
 * also as `application/protobuf` (the IANA spelling, which the server takes in
 * Content-Type and answers when Accept prefers it), and, when `authOn` is false (no token
 * file: every request acts as admin), no security requirement, no `bearerAuth` scheme and no
 * 401 / 403 answers, which such a server never gives. Rewrites `document` in place and returns it.
 */
export function finishOpenApiDocument<T extends object>(document: T, options: { readonly authOn: boolean }): T {
  const doc = document as Document;
  for (const item of Object.values(doc.paths ?? {})) {
    for (const [method, value] of Object.entries(item)) {
      if (!METHODS.has(method) || typeof value !== "object" || value === null) continue;
      const operation = value as Operation;
      withProtobufAlias(operation.requestBody?.content);
      for (const response of Object.values(operation.responses ?? {})) withProtobufAlias(response?.content);
      if (!options.authOn) {
        delete operation.security;
        delete operation.responses?.["401"];
        delete operation.responses?.["403"];
      }
    }
  }
  if (!options.authOn && doc.components?.securitySchemes !== undefined) {
    delete doc.components.securitySchemes;
  }
  return document;
}
