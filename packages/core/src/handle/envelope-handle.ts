import { decodeEnvelope, readEnvelopeHeader } from "@reflex/codec";
import { rethrowCodecError, StoreError } from "../contract/store-error.ts";
import { EntryHandle, StoredEntryHandle, type WeakerDurability } from "./entry-handle.ts";
import { LoadedFile } from "./loaded-file.ts";

/**
 * A handle over envelope bytes from somewhere other than a file (another backend's value),
 * for backends built on `@reflex/core`. Verifies the bytes (checksum, header, body) and that
 * they hold `entryId` of `tenantId`: damage or a misplaced entry is `corrupt` (reason
 * `checksum_mismatch`, ..., `tenant_mismatch`, `id_mismatch`), naming `where`. The handle's
 * views are zero-copy views of `bytes`, which must not change while it lives.
 *
 * @example
 * const handle = envelopeHandle(await redis.getBuffer(key), 1n, 42n, key);
 */
export function envelopeHandle(bytes: Uint8Array, tenantId: bigint, entryId: bigint, where: string): EntryHandle {
  let decoded: ReturnType<typeof decodeEnvelope>;
  try {
    decoded = decodeEnvelope(bytes);
  } catch (error) {
    rethrowCodecError(error, where);
  }
  if (decoded.entry.tenantId !== tenantId) {
    throw new StoreError("corrupt", `${where} holds an entry of tenant ${decoded.entry.tenantId}, not ${tenantId}`, {
      reason: "tenant_mismatch",
    });
  }
  if (decoded.entryId !== entryId) {
    throw new StoreError("corrupt", `${where} holds entry ${decoded.entryId}, not ${entryId}`, {
      reason: "id_mismatch",
    });
  }
  return new EntryHandle(new LoadedFile(tenantId, entryId, bytes, decoded.entry, null, decoded.expiresAt));
}

/**
 * The handle a backend's `store` returns: over envelope bytes this process has just
 * encoded with `encodeEnvelope` (trusted, not checksummed again; the body is decoded only
 * if a field is read). `weaker`: the weaker promise the write was accepted with, if any.
 */
export function storedEnvelopeHandle(
  bytes: Uint8Array,
  created: boolean,
  weaker?: WeakerDurability,
): StoredEntryHandle {
  const header = readEnvelopeHeader(bytes);
  const file = LoadedFile.encoded(header.tenantId, header.entryId, bytes, header.headerBytes, header.expiresAt);
  return new StoredEntryHandle(file, created, weaker);
}
