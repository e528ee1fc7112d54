import { deserializeStoredGeneration, serializeGeneration } from "@langchain/core/caches";
import type { StoredGeneration } from "@langchain/core/messages";
import type { Generation } from "@langchain/core/outputs";

/** The payload of a cache entry: format version, the full key, and the generations. */
interface CachedValue {
  readonly v: 1;
  readonly prompt: string;
  readonly llmString: string;
  readonly generations: StoredGeneration[];
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The payload bytes of `generations` under the full key (JSON, generations as LangChain's `serializeGeneration`). */
export function encodeCachedValue(prompt: string, llmString: string, generations: Generation[]): Uint8Array {
  const value: CachedValue = { v: 1, prompt, llmString, generations: generations.map(serializeGeneration) };
  return encoder.encode(JSON.stringify(value));
}

/**
 * The generations of a payload when its full key is (`prompt`, `llmString`); null when the
 * key differs (a hash collision, or a semantic hit of another model) or the payload is not
 * one of ours.
 */
export function decodeCachedValue(
  payload: Uint8Array,
  prompt: string | undefined,
  llmString: string,
): Generation[] | null {
  let value: Partial<CachedValue>;
  try {
    value = JSON.parse(decoder.decode(payload)) as Partial<CachedValue>;
  } catch {
    return null;
  }
  if (value.v !== 1 || value.llmString !== llmString || !Array.isArray(value.generations)) return null;
  if (prompt !== undefined && value.prompt !== prompt) return null;
  return value.generations.map((stored) => deserializeStoredGeneration(stored) as Generation);
}
