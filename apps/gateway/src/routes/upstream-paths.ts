/**
 * The path below the upstream's API base of a gateway request path with its query:
 * `/v1/chat/completions?x=1` → `/chat/completions?x=1`. The gateway serves the OpenAI API
 * under `/v1`, as the SDKs expect of an `OPENAI_BASE_URL` ending in `/v1`.
 *
 * @example upstreamPath("http://127.0.0.1:8080/v1/models?limit=2") // "/models?limit=2"
 */
export function upstreamPath(url: string): string {
  const start = url.indexOf("/", url.indexOf("//") + 2);
  const path = start < 0 ? "/" : url.slice(start);
  return path.startsWith("/v1/") ? path.slice(3) : path === "/v1" ? "/" : path;
}
