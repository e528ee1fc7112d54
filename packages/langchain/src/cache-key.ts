const encoder = new TextEncoder();

/**
 * The 64-bit key of a (prompt, llmString) pair: `Bun.hash.wyhash` (seed 0) of
 * `u32le(byteLength(prompt)) || utf8(prompt) || utf8(llmString)`. The length prefix keeps
 * ("ab", "c") and ("a", "bc") apart. It is the entry id; the full pair is kept in the payload,
 * so two pairs with the same key (a collision) read as a miss, never as each other's answer.
 */
export function cacheKey(prompt: string, llmString: string): bigint {
  const promptBytes = encoder.encode(prompt);
  const llmBytes = encoder.encode(llmString);
  const bytes = new Uint8Array(4 + promptBytes.byteLength + llmBytes.byteLength);
  new DataView(bytes.buffer).setUint32(0, promptBytes.byteLength, true);
  bytes.set(promptBytes, 4);
  bytes.set(llmBytes, 4 + promptBytes.byteLength);
  return BigInt(Bun.hash.wyhash(bytes, 0n));
}

/** The context hash of an entry: `Bun.hash.wyhash` (seed 0) of `utf8(llmString)`, so `findByContext` lists one model's entries. */
export function llmContextHash(llmString: string): bigint {
  return BigInt(Bun.hash.wyhash(encoder.encode(llmString), 0n));
}
