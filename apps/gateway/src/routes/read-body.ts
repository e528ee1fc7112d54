import { GatewayError } from "../gateway-error.ts";

/**
 * The request body as text, refused with `body_too_large` (413) past `maxBytes`: at once when
 * a declared Content-Length is over it, else as soon as the streamed bytes pass it (nothing
 * beyond the limit is buffered).
 *
 * @example const text = await readBodyLimited(c.req.raw, 16 * 1024 * 1024);
 */
export async function readBodyLimited(request: Request, maxBytes: number): Promise<string> {
  const tooLarge = () => new GatewayError("body_too_large", `the request body is over ${maxBytes} bytes`);
  const declared = Number(request.headers.get("content-length") ?? Number.NaN);
  if (declared > maxBytes) throw tooLarge();
  if (request.body === null) return "";
  const parts: Uint8Array[] = [];
  let total = 0;
  const reader = request.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => {});
      throw tooLarge();
    }
    parts.push(value);
  }
  return Buffer.concat(parts, total).toString("utf8");
}
