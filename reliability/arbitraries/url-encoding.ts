// How a text is written into a URL: path-segment encodings (raw, percent-encoded,
// double-encoded) and the arbitrary that picks one.
import fc from "fast-check";

/** How a text is written into a URL path segment. */
export type SegmentEncoding = "raw" | "component" | "percent-all" | "percent-all-upper" | "double";

const HEX = "0123456789abcdef";

/** Every UTF-8 byte of `text` as `%xx` (upper-case hex when `upper`). */
export function percentAll(text: string, upper: boolean): string {
  let out = "";
  for (const byte of new TextEncoder().encode(text)) {
    const hex = `%${HEX[byte >> 4]}${HEX[byte & 15]}`;
    out += upper ? hex.toUpperCase() : hex;
  }
  return out;
}

/** `encodeURIComponent`, except that a text it refuses (a lone surrogate) stays raw. */
export function safeEncodeComponent(text: string): string {
  try {
    return encodeURIComponent(text);
  } catch {
    return text; // a lone surrogate: keep it raw, the URL parser will replace it
  }
}

/** `text` as a path segment in the given encoding (raw keeps `/`, `?`, `#` and `..` live). */
export function encodeSegment(text: string, encoding: SegmentEncoding): string {
  switch (encoding) {
    case "raw":
      return text;
    case "component":
      return safeEncodeComponent(text);
    case "percent-all":
      return percentAll(text, false);
    case "percent-all-upper":
      return percentAll(text, true);
    case "double":
      return safeEncodeComponent(safeEncodeComponent(text));
  }
}

/** A segment encoding, mostly raw. */
export const segmentEncoding: fc.Arbitrary<SegmentEncoding> = fc.oneof(
  { weight: 6, arbitrary: fc.constant("raw" as const) },
  { weight: 1, arbitrary: fc.constantFrom("component", "percent-all", "percent-all-upper", "double") },
);
