import { GatewayError } from "../gateway-error.ts";

/** One JSON POST of a semantic tier's own calls (embeddings, rerank). */
export interface JsonPost {
  readonly url: string;
  readonly body: unknown;
  /** `Authorization` header value; undefined sends none. */
  readonly authorization: string | undefined;
  /** Most ms for the whole exchange (headers and body). */
  readonly timeoutMs: number;
  /** The error code of any failure. */
  readonly code: "embedding_failed" | "rerank_failed";
}

/**
 * POSTs `post.body` as JSON and resolves to the parsed 200 answer. Anything else (network
 * failure, timeout, a non-200 status, a body that is not JSON) is a `GatewayError` of
 * `post.code` whose message names the status or the failure, never the body sent.
 *
 * @example const answer = await postJson({ url, body, authorization, timeoutMs: 2000, code: "rerank_failed" });
 */
export async function postJson(post: JsonPost): Promise<unknown> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (post.authorization !== undefined) headers.authorization = post.authorization;
  const signal = AbortSignal.timeout(post.timeoutMs);
  let response: Response;
  try {
    response = await fetch(post.url, { method: "POST", headers, body: JSON.stringify(post.body), signal });
  } catch (error) {
    const why = signal.aborted ? "timed out" : "could not be reached";
    throw new GatewayError(post.code, `${what(post.code)} ${why}`, { cause: error });
  }
  let text: string;
  try {
    text = await response.text();
  } catch (error) {
    throw new GatewayError(post.code, `${what(post.code)} answer was cut`, { cause: error });
  }
  if (response.status !== 200) throw new GatewayError(post.code, `${what(post.code)} answered ${response.status}`);
  try {
    return JSON.parse(text);
  } catch {
    throw new GatewayError(post.code, `${what(post.code)} answer is not JSON`);
  }
}

function what(code: JsonPost["code"]): string {
  return code === "embedding_failed" ? "the embeddings server" : "the rerank server";
}
