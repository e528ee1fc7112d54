// The fixed entry behind test/golden/entry-v1.bin. Changing anything here changes the
// golden file: only do that together with a deliberate format change.
import type { EntryFields } from "../src/entry.ts";

/** Where the golden file lives. */
export const GOLDEN_PATH = new URL("./golden/entry-v1.bin", import.meta.url);

/** The entry id the golden file is stored under. */
export const GOLDEN_ENTRY_ID = 42n;

/** 768 f16 values (1536 bytes) in a fixed integer pattern: no floating point, same bytes everywhere. */
export function goldenEmbedding(): Uint8Array {
  const bytes = new Uint8Array(1536);
  for (let i = 0; i < bytes.byteLength; i++) bytes[i] = (i * 37 + 11) & 0xff;
  return bytes;
}

/** The golden entry. */
export function goldenEntry(): EntryFields {
  return {
    tenantId: 7n,
    contextHash: 0xdeadbeefcafef00dn,
    timestamp: 1700000000n,
    embedding: goldenEmbedding(),
    payloadBlob: new TextEncoder().encode("hello, reflex"),
  };
}
