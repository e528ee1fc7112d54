/**
 * A strong ETag of payload bytes: their length and 64-bit wyhash (`Bun.hash`),
 * e.g. `"2a-9ae16a3b2f90404f"`. Hashing runs at memory speed, so the tag costs
 * far less than sending the bytes.
 */
export function payloadEtag(bytes: Uint8Array): string {
  return etagOf(bytes.byteLength, BigInt(Bun.hash.wyhash(bytes)));
}

/**
 * The same ETag from a length and a digest already known, e.g. an entry handle's
 * `payloadDigest` (hashed once per loaded file, not per request).
 */
export function etagOf(byteLength: number, digest: bigint): string {
  return `"${byteLength.toString(16)}-${digest.toString(16).padStart(16, "0")}"`;
}

/**
 * True when an `If-None-Match` header matches `etag` (RFC 9110 weak comparison:
 * a `W/` prefix is ignored; `*` matches any current representation).
 */
export function ifNoneMatchMatches(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  const wanted = header.trim();
  if (wanted === "*") return true;
  const opaque = etag.startsWith("W/") ? etag.slice(2) : etag;
  for (const part of wanted.split(",")) {
    const candidate = part.trim();
    if ((candidate.startsWith("W/") ? candidate.slice(2) : candidate) === opaque) return true;
  }
  return false;
}
