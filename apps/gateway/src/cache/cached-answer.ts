/**
 * The payload of a gateway entry, a small versioned binary record (all integers little-endian):
 *
 * ```
 *  0  "RXG"  magic                    8  u32 prompt tokens      (0xffffffff: unknown)
 *  3  u8     format version (1)       12 u32 completion tokens  (0xffffffff: unknown)
 *  4  u8     origin (1 json, 2 sse)   16 u32 canonical request length n
 *  5  u8[3]  zero                     20 canonical request (n bytes), then the answer to the end
 * ```
 *
 * The answer is always a complete non-stream JSON body (a chat completion or an embeddings
 * list): the upstream's own bytes when it answered in JSON, the assembled completion when it
 * streamed. Both forms of a hit come from it: the JSON as it is, or SSE chunks made from it
 * (stream-replay.ts). Keeping one normalized form means an entry answers either kind of
 * request and a replay never depends on the `stream_options` of the request that recorded it.
 * The token counts sit in the header so that a hit counts its tokens without parsing the answer.
 */
export interface CachedAnswer {
  /** How the upstream answered: a JSON body, or an SSE stream assembled into one. */
  readonly origin: "json" | "sse";
  /** The answer's `usage`, when it had one. */
  readonly usage: TokenUsage | undefined;
  /** The complete JSON answer (UTF-8). */
  readonly body: Uint8Array;
}

/** Prompt and completion tokens of an answer. */
export interface TokenUsage {
  readonly prompt: number;
  readonly completion: number;
}

/** The record's format version this code writes and reads. */
export const CACHED_ANSWER_VERSION = 1;

const HEADER_BYTES = 20;
const UNKNOWN = 0xffff_ffff;
const MAGIC = [0x52, 0x58, 0x47] as const; // "RXG"

/** The payload bytes of `answer` to the full canonical request `canonical`. */
export function encodeCachedAnswer(canonical: Uint8Array, answer: CachedAnswer): Uint8Array {
  const bytes = new Uint8Array(HEADER_BYTES + canonical.byteLength + answer.body.byteLength);
  const view = new DataView(bytes.buffer);
  bytes.set(MAGIC, 0);
  bytes[3] = CACHED_ANSWER_VERSION;
  bytes[4] = answer.origin === "json" ? 1 : 2;
  view.setUint32(8, clampCount(answer.usage?.prompt), true);
  view.setUint32(12, clampCount(answer.usage?.completion), true);
  view.setUint32(16, canonical.byteLength, true);
  bytes.set(canonical, HEADER_BYTES);
  bytes.set(answer.body, HEADER_BYTES + canonical.byteLength);
  return bytes;
}

/**
 * The answer held by `payload` when its canonical request is byte for byte `canonical`;
 * undefined when it is another request's (a 64-bit key collision: a miss, never a wrong
 * answer) or not a record this version reads. The body is copied out of `payload` (which may
 * be a view of a mapping that is released after this call).
 */
export function decodeCachedAnswer(payload: Uint8Array, canonical: Uint8Array): CachedAnswer | undefined {
  return readCachedAnswer(payload, canonical)?.answer;
}

/**
 * The canonical request and the answer of a record, whatever request it answers (the
 * semantic tier reads a candidate this way); undefined when it is not a record this version
 * reads, or, with `expected`, when its canonical request is not byte for byte `expected`.
 * Both are copied out of `payload`.
 */
export function readCachedAnswer(
  payload: Uint8Array,
  expected?: Uint8Array,
): { canonical: Uint8Array; answer: CachedAnswer } | undefined {
  if (payload.byteLength < HEADER_BYTES) return undefined;
  if (payload[0] !== MAGIC[0] || payload[1] !== MAGIC[1] || payload[2] !== MAGIC[2]) return undefined;
  if (payload[3] !== CACHED_ANSWER_VERSION) return undefined;
  const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  const length = view.getUint32(16, true);
  if (HEADER_BYTES + length > payload.byteLength) return undefined;
  const stored = payload.subarray(HEADER_BYTES, HEADER_BYTES + length);
  if (expected !== undefined && Buffer.compare(stored, expected) !== 0) return undefined;
  const origin = payload[4] === 1 ? "json" : payload[4] === 2 ? "sse" : undefined;
  if (origin === undefined) return undefined;
  const prompt = view.getUint32(8, true);
  const completion = view.getUint32(12, true);
  return {
    canonical: expected ?? stored.slice(),
    answer: {
      origin,
      usage: prompt === UNKNOWN || completion === UNKNOWN ? undefined : { prompt, completion },
      body: payload.slice(HEADER_BYTES + length),
    },
  };
}

/**
 * The `usage` of a parsed JSON answer: `prompt_tokens`, and `completion_tokens` (0 when
 * absent, as for embeddings); undefined without a usable `prompt_tokens`.
 */
export function usageOf(answer: unknown): TokenUsage | undefined {
  if (typeof answer !== "object" || answer === null) return undefined;
  const usage = (answer as { usage?: unknown }).usage;
  if (typeof usage !== "object" || usage === null) return undefined;
  const { prompt_tokens: prompt, completion_tokens: completion } = usage as Record<string, unknown>;
  if (typeof prompt !== "number") return undefined;
  return { prompt, completion: typeof completion === "number" ? completion : 0 };
}

function clampCount(count: number | undefined): number {
  if (count === undefined || !Number.isInteger(count) || count < 0) return UNKNOWN;
  return Math.min(count, UNKNOWN - 1);
}
