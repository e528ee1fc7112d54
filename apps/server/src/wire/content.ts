/** Media type of JSON bodies (the protobuf JSON mapping of `reflex.v1.CacheEntry`). */
export const JSON_TYPE = "application/json";
/** Media type of protobuf bodies (binary `reflex.v1.CacheEntry`). */
export const PROTOBUF_TYPE = "application/x-protobuf";
/** The IANA-registered spelling of the protobuf media type, accepted as an alias. */
export const PROTOBUF_TYPE_ALIAS = "application/protobuf";
/** Media type of raw payload bytes. */
export const OCTET_STREAM_TYPE = "application/octet-stream";

/** The two encodings of an entry body. */
export type EntryEncoding = "json" | "protobuf";

/** The lower-cased `type/subtype` of a Content-Type or media range, without parameters. */
export function essence(mediaType: string): string {
  return (mediaType.split(";", 1)[0] ?? "").trim().toLowerCase();
}

/**
 * The encoding a request body declares by its Content-Type: JSON (`application/json`,
 * or any `+json` type), protobuf (`application/x-protobuf` or `application/protobuf`),
 * or undefined for anything else (a 415).
 */
export function requestEncoding(contentType: string | undefined): EntryEncoding | undefined {
  if (contentType === undefined) return undefined;
  const type = essence(contentType);
  if (/^application\/([a-z.-]+\+)?json$/.test(type)) return "json";
  if (type === PROTOBUF_TYPE || type === PROTOBUF_TYPE_ALIAS) return "protobuf";
  return undefined;
}

interface MediaRange {
  readonly type: string;
  readonly q: number;
}

function parseAccept(accept: string): MediaRange[] {
  const ranges: MediaRange[] = [];
  for (const part of accept.split(",")) {
    const [range, ...params] = part.split(";");
    const type = (range ?? "").trim().toLowerCase();
    if (type === "") continue;
    let q = 1;
    for (const param of params) {
      const [key, value] = param.split("=");
      if (key?.trim().toLowerCase() === "q") {
        const parsed = Number(value?.trim());
        q = Number.isFinite(parsed) ? Math.min(1, Math.max(0, parsed)) : 0;
      }
    }
    ranges.push({ type, q });
  }
  return ranges;
}

/** The q-value the Accept ranges give `type`: the most specific matching range wins (exact, then `a/*`, then `*\/*`). */
function qualityOf(type: string, ranges: readonly MediaRange[]): number {
  const major = `${type.split("/")[0]}/*`;
  let best: { specificity: number; q: number } | undefined;
  for (const range of ranges) {
    const specificity = range.type === type ? 3 : range.type === major ? 2 : range.type === "*/*" ? 1 : 0;
    if (specificity === 0) continue;
    if (best === undefined || specificity > best.specificity) best = { specificity, q: range.q };
  }
  return best?.q ?? 0;
}

/**
 * Picks the response encoding of an entry from the Accept header: protobuf when the
 * client prefers `application/x-protobuf` (or `application/protobuf`) over JSON,
 * JSON otherwise, including when Accept is absent or names neither (JSON is the default).
 */
export function negotiateEntryEncoding(accept: string | undefined): {
  encoding: EntryEncoding;
  contentType: string;
} {
  const json = { encoding: "json", contentType: JSON_TYPE } as const;
  if (accept === undefined || accept.trim() === "") return json;
  const ranges = parseAccept(accept);
  const jsonQ = qualityOf(JSON_TYPE, ranges);
  const protobufQ = qualityOf(PROTOBUF_TYPE, ranges);
  const aliasQ = qualityOf(PROTOBUF_TYPE_ALIAS, ranges);
  if (Math.max(protobufQ, aliasQ) > jsonQ) {
    return { encoding: "protobuf", contentType: aliasQ > protobufQ ? PROTOBUF_TYPE_ALIAS : PROTOBUF_TYPE };
  }
  return json;
}
