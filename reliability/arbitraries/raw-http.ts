// Raw HTTP/1.1 over a socket: request targets exactly as written (fetch and Request
// resolve dot segments and encode characters before a server sees them).
import { percentAll } from "./url-encoding.ts";

/** A response read off the wire. */
export interface RawResponse {
  readonly status: number;
  /** Header names lower-cased; a repeated header keeps every value. */
  readonly headers: ReadonlyMap<string, readonly string[]>;
  readonly body: Uint8Array;
}

function indexOfBlankLine(bytes: Uint8Array): number {
  for (let i = 0; i + 3 < bytes.length; i++) {
    if (bytes[i] === 13 && bytes[i + 1] === 10 && bytes[i + 2] === 13 && bytes[i + 3] === 10) return i;
  }
  return -1;
}

function dechunk(bytes: Uint8Array): Uint8Array {
  const parts: Uint8Array[] = [];
  let at = 0;
  for (;;) {
    let end = at;
    while (end + 1 < bytes.length && !(bytes[end] === 13 && bytes[end + 1] === 10)) end++;
    const size = Number.parseInt(Buffer.from(bytes.subarray(at, end)).toString("latin1"), 16);
    if (!Number.isFinite(size) || size === 0) break;
    parts.push(bytes.subarray(end + 2, end + 2 + size));
    at = end + 2 + size + 2;
  }
  return Buffer.concat(parts);
}

/** The response in `bytes` once it is complete (headers, then its Content-Length or chunked body), else undefined. */
function completeResponse(bytes: Uint8Array, headRequest: boolean, closed: boolean): RawResponse | undefined {
  const split = indexOfBlankLine(bytes);
  if (split < 0) return undefined;
  const headText = Buffer.from(bytes.subarray(0, split)).toString("latin1");
  const [statusLine = "", ...headerLines] = headText.split("\r\n");
  const headers = new Map<string, string[]>();
  for (const line of headerLines) {
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    headers.set(name, [...(headers.get(name) ?? []), line.slice(colon + 1).trim()]);
  }
  const status = Number(statusLine.split(" ")[1] ?? 0);
  const rest = bytes.subarray(split + 4);
  const response = (body: Uint8Array): RawResponse => ({ status, headers, body });
  if (headRequest || status === 204 || status === 304 || (status >= 100 && status < 200)) {
    return response(new Uint8Array(0));
  }
  const length = headers.get("content-length")?.[0];
  if (length !== undefined) {
    return rest.length >= Number(length) ? response(rest.subarray(0, Number(length))) : undefined;
  }
  if (headers.get("transfer-encoding")?.some((value) => /chunked/i.test(value))) {
    const text = Buffer.from(rest).toString("latin1");
    return text.endsWith("0\r\n\r\n") ? response(dechunk(rest)) : undefined;
  }
  return closed ? response(rest) : undefined; // delimited by the end of the connection
}

/**
 * Sends `head` (request line and headers, CRLF-separated, without the blank line; a
 * `Connection: close` is added) and `body` to 127.0.0.1:`port`, and reads the response:
 * complete once its declared length (or last chunk) has arrived, or the server closes.
 * Undefined when the server closed without answering; rejects after `timeoutMs`.
 */
export async function rawHttp(
  port: number,
  head: string,
  body: Uint8Array = new Uint8Array(0),
  timeoutMs = 10_000,
): Promise<RawResponse | undefined> {
  const headRequest = head.startsWith("HEAD ");
  let received: Uint8Array = new Uint8Array(0);
  let open = true;
  const { promise: answered, resolve, reject } = Promise.withResolvers<RawResponse | undefined>();
  const socket = await Bun.connect({
    hostname: "127.0.0.1",
    port,
    socket: {
      data(_socket, data) {
        received = Buffer.concat([received, data]);
        const response = completeResponse(received, headRequest, false);
        if (response !== undefined) resolve(response);
      },
      close() {
        open = false;
        resolve(received.length === 0 ? undefined : completeResponse(received, headRequest, true));
      },
      error(_socket, error) {
        reject(error);
      },
      connectError(_socket, error) {
        reject(error);
      },
    },
  });
  const timer = setTimeout(() => {
    reject(new Error(`no complete answer within ${timeoutMs} ms to ${JSON.stringify(head.slice(0, 120))}`));
  }, timeoutMs);
  const request = Buffer.concat([Buffer.from(`${head}\r\nConnection: close\r\n\r\n`, "latin1"), body]);
  // The server may answer (413) and close before the whole body is sent: stop writing then.
  let sent = 0;
  let done = false;
  const finish = () => {
    done = true;
  };
  answered.then(finish, finish);
  while (sent < request.length && open && !done) {
    const wrote = socket.write(request.subarray(sent));
    if (wrote > 0) sent += wrote;
    else await Bun.sleep(1);
  }
  try {
    return await answered;
  } finally {
    clearTimeout(timer);
    socket.end();
  }
}

/**
 * `text` as a valid HTTP request target: every byte outside visible ASCII, and the
 * characters a request line cannot hold, percent-encoded; everything else (dot segments,
 * `%2e`, backslashes, double slashes, `?`, `#`) kept exactly as written.
 */
export function wireTarget(text: string): string {
  let out = "";
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    out += code > 0x20 && code < 0x7f ? char : percentAll(char, true);
  }
  return out.startsWith("/") ? out : `/${out}`;
}
