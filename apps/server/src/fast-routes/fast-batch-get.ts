import { isCanonicalU64 } from "@reflex/codec";
import { principalFor } from "../middleware/authenticate.ts";
import { coveredTenant } from "../middleware/authorize.ts";
import { batchGetResponse, MAX_BATCH_BODY_BYTES, MAX_BATCH_IDS } from "../routes/batch-get.ts";
import { type BunRequest, type FastRouteDeps, fastRouteFailed } from "./fast-route-deps.ts";

const DECLARED_LENGTH = /^\d{1,15}$/;
/** The route template the HTTP metrics and the request log name a batch-get by. */
const BATCH_GET_ROUTE = "/v1/tenants/:tenant/entries/batch-get";

/**
 * The ids of a batch-get body when it is exactly what the Hono route accepts (a JSON
 * object with only `ids`, at most {@link MAX_BATCH_IDS} canonical decimal u64 strings),
 * else undefined: the fast route then hands the request to Hono, whose validation and
 * error messages are the reference.
 */
export function plainBatchIds(text: string): bigint[] | undefined {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) return undefined;
  const keys = Object.keys(body);
  if (keys.length !== 1 || keys[0] !== "ids") return undefined;
  const ids: unknown = (body as { ids: unknown }).ids;
  if (!Array.isArray(ids) || ids.length > MAX_BATCH_IDS) return undefined;
  const parsed = new Array<bigint>(ids.length);
  for (let i = 0; i < ids.length; i++) {
    const id: unknown = ids[i];
    if (typeof id !== "string" || !isCanonicalU64(id)) return undefined;
    parsed[i] = BigInt(id);
  }
  return parsed;
}

/** The JSON content types the Hono route takes: @hono/zod-openapi's own pattern for a declared `application/json`. */
const PLAIN_JSON = /^application\/([a-z-.]+\+)?json(;\s*[a-zA-Z0-9-]+=([^;]+))*$/i;

function isPlainJson(contentType: string | null): boolean {
  return contentType !== null && PLAIN_JSON.test(contentType);
}

/**
 * Fast path of `POST /v1/tenants/:tenant/entries/batch-get`: a well-formed request of a
 * covering token (JSON body with a declared length under the limit) is answered by
 * {@link batchGetResponse} straight from `Bun.serve`, skipping Hono and zod. Anything
 * else (a bad or missing token, a bad body, a `%` in the target, a streamed or oversized
 * body) goes to the Hono route, so every error answer is the Hono route's own.
 */
export function fastBatchGet(deps: FastRouteDeps) {
  const { observer } = deps;
  return async (request: BunRequest, server: Bun.Server<undefined>): Promise<Response> => {
    const note = observer.begin(request, BATCH_GET_ROUTE);
    const toHono = (forwarded: Request = request) =>
      observer.settle(note, forwarded, deps.app.fetch(forwarded, { server, note }));
    const length = request.headers.get("content-length");
    if (
      request.url.includes("%") ||
      length === null ||
      !DECLARED_LENGTH.test(length) ||
      Number(length) > MAX_BATCH_BODY_BYTES ||
      request.headers.has("transfer-encoding") ||
      !isPlainJson(request.headers.get("content-type"))
    ) {
      return toHono();
    }
    let tenantId: bigint;
    try {
      const principal = principalFor(deps.tokens, request.headers.get("authorization"));
      tenantId = coveredTenant(request.params.tenant, principal);
      note.principal = principal.name;
      note.tenant = tenantId;
    } catch {
      return toHono(); // 400 / 401 / 403, answered by the route's own middleware
    }
    let text: string;
    try {
      text = await request.text();
    } catch (error) {
      return observer.end(note, request, fastRouteFailed(deps, request, error, note.id)); // the body was cut short
    }
    const ids = plainBatchIds(text);
    if (ids === undefined) {
      return toHono(new Request(request.url, { method: "POST", headers: request.headers, body: text }));
    }
    return batchGetResponse(deps.store, tenantId, ids, request.headers.get("accept")).then(
      (response) => observer.end(note, request, response),
      (error: unknown) => observer.end(note, request, fastRouteFailed(deps, request, error, note.id)),
    );
  };
}
