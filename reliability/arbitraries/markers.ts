// Marked entries: every seeded payload carries its tenant's marker, and decoys outside
// the store root carry another; a response that shows a marker it should not is a leak.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type EntryFields, encodeEnvelope, U64_MAX } from "@reflex/codec";
import { TENANT_P } from "./tokens.ts";

/** Ids of the seeded, marked entries of every tenant. */
export const SEEDED_IDS: readonly bigint[] = [0n, 1n, 42n, U64_MAX];

/** The marker in every payload of `tenant`'s seeded entries (36 bytes: a multiple of 3, so its base64 is fixed too). */
function markerOf(tenant: bigint): string {
  return `SECRET-MARK-OF-TENANT-${tenant.toString().padStart(13, "0")}-`;
}

/** The marker of the decoy entry files planted outside the root: seen in a response, it is a traversal. */
const DECOY_MARKER = "DECOY-FILE-OUTSIDE-THE-STORE-ROOT!!!";

/** Every spelling of `marker` a response can carry: raw (payload, protobuf) and base64 (JSON). */
function markerSpellings(marker: string): string[] {
  return [marker, Buffer.from(marker).toString("base64"), Buffer.from(marker).toString("base64url")];
}

/** The seeded entry (tenant, id): the tenant's marker, then the id. */
export function markedEntry(tenant: bigint, id: bigint): EntryFields {
  return {
    tenantId: tenant,
    contextHash: id ^ 0x5a5a_5a5an,
    timestamp: 1_700_000_000n,
    embedding: new Uint8Array([0, 60, 0, 60]),
    payloadBlob: new TextEncoder().encode(`${markerOf(tenant)}${id}`),
  };
}

/** Decoded text of a response body good enough to search for markers (latin1: every byte stays one char). */
export function searchableText(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("latin1");
}

/** The tenants whose marker (or the decoy's) appears in `text`. */
export function leakedMarkers(text: string, tenants: readonly bigint[]): string[] {
  const found: string[] = [];
  for (const tenant of tenants) {
    if (markerSpellings(markerOf(tenant)).some((spelling) => text.includes(spelling))) found.push(`tenant ${tenant}`);
  }
  if (markerSpellings(DECOY_MARKER).some((spelling) => text.includes(spelling))) found.push("decoy outside the root");
  return found;
}

/**
 * Plants decoys next to the root (`<base>/<tenant>/<id>.rfx`, a valid entry file of
 * tenant 3 carrying {@link DECOY_MARKER}, and `<base>/canary/secret.txt`): what a path
 * traversal would read or overwrite.
 */
export function plantDecoys(base: string): void {
  const entry: EntryFields = {
    tenantId: TENANT_P,
    contextHash: 1n,
    timestamp: 1n,
    embedding: new Uint8Array(0),
    payloadBlob: new TextEncoder().encode(DECOY_MARKER),
  };
  for (const id of [1n, 42n]) {
    mkdirSync(join(base, TENANT_P.toString()), { recursive: true });
    writeFileSync(join(base, TENANT_P.toString(), `${id}.rfx`), encodeEnvelope(id, { ...entry, contextHash: id }));
  }
  mkdirSync(join(base, "canary"), { recursive: true });
  writeFileSync(join(base, "canary", "secret.txt"), DECOY_MARKER);
}
