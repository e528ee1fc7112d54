/**
 * `@reflex/core/backend`: what a second `EntryStore` backend builds on, so the contract's
 * rules exist once: the id, page-limit and TTL checks, the handle over verified envelope
 * bytes, the one timing wrapper, and the codec-to-store error mapping. The in-memory
 * lookup index is `@reflex/core/lookup`.
 *
 * @example
 * import { checkId, expiresAtOf, checkTtl, timed } from "@reflex/core/backend";
 * const id = checkId(input, "entry id");
 * const expiresAt = expiresAtOf(checkTtl(ttlSeconds), Date.now());
 */
export { checkId } from "./contract/ids.ts";
export { pageLimit } from "./contract/page-limit.ts";
export { DEFAULT_SEARCH_OPTIONS, MAX_SEARCH_K, resolveSearchOptions } from "./contract/search-options.ts";
export { rethrowCodecError } from "./contract/store-error.ts";
export { checkTtl, expiresAtOf } from "./contract/ttl.ts";
export { envelopeHandle, storedEnvelopeHandle } from "./handle/envelope-handle.ts";
export { timed } from "./store/timed.ts";
