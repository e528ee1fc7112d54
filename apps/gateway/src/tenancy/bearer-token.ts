/**
 * The token of an `Authorization: Bearer <token>` header (scheme case-insensitive), or
 * undefined when there is no header, another scheme or an empty token.
 *
 * @example bearerToken("Bearer sk-abc") // "sk-abc"
 */
export function bearerToken(header: string | null | undefined): string | undefined {
  if (header === null || header === undefined) return undefined;
  const match = /^bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
  return match?.[1];
}
