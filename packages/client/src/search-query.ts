import { ReflexClientError } from "./client-error.ts";

/** Most hits a search asks for (the server's bound). */
export const MAX_SEARCH_K = 100;

/**
 * Checks a search's `k` before anything is sent, the same for both encodings: absent (the
 * server's default, 1) or a whole number from 1 to {@link MAX_SEARCH_K}. Without it, `k: 0`
 * went out as protobuf's unset field (read as the default, 1) but as `"k":0` in JSON (a 400).
 * Anything else is a `ReflexClientError` `invalid_body` with status 0 (nothing was sent).
 */
export function checkSearchK(k: number | undefined): void {
  if (k === undefined) return;
  if (!Number.isInteger(k) || k < 1 || k > MAX_SEARCH_K) {
    throw new ReflexClientError(
      "invalid_body",
      0,
      `search: k must be a whole number from 1 to ${MAX_SEARCH_K} (or absent for the server's default, 1), got ${k}`,
    );
  }
}
