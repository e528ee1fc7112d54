import { decodeEntryBody, type EntryFields, entryFromJson } from "@reflex/codec";
import { ApiError } from "../errors.ts";

/** A request body's entry once validated: its JSON (already checked by the route's schema) or its protobuf bytes. */
export type EntryRequestBody =
  | { readonly encoding: "json"; readonly json: unknown }
  | { readonly encoding: "protobuf"; readonly bytes: Uint8Array };

/**
 * The entry a PUT body holds, for the path's tenant. JSON goes through the codec's
 * protobuf JSON mapping (a missing `tenantId` means the path's tenant); protobuf
 * through the codec's wire decoder (bytes fields stay views of the body). A body
 * that names another tenant is a 422; a malformed one is a codec error (400). A timestamp
 * that is absent (JSON) or 0 (protobuf: proto3 cannot tell unset from 0) becomes the time of
 * the write; an explicit JSON 0 stays 0.
 */
export function entryFromRequest(body: EntryRequestBody, pathTenant: bigint): EntryFields {
  let entry: EntryFields;
  let noTimestamp: boolean;
  if (body.encoding === "json") {
    if (typeof body.json !== "object" || body.json === null || Array.isArray(body.json)) {
      throw new ApiError(400, "invalid_body", "an entry must be a JSON object");
    }
    const json: Record<string, unknown> = { ...body.json };
    if (json.tenantId == null && json.tenant_id == null) json.tenantId = pathTenant.toString();
    entry = entryFromJson(json);
    noTimestamp = json.timestamp == null; // JSON tells absent from 0: an explicit 0 stays 0
  } else {
    entry = decodeEntryBody(body.bytes);
    noTimestamp = entry.timestamp === 0n; // proto3 cannot tell an unset field 3 from 0
  }
  if (entry.tenantId !== pathTenant) {
    throw new ApiError(
      422,
      "tenant_mismatch",
      `body tenant_id ${entry.tenantId} differs from path tenant ${pathTenant}${body.encoding === "protobuf" && entry.tenantId === 0n ? " (a protobuf body must set tenant_id)" : ""}`,
    );
  }
  // No timestamp is the time of the write, as `reflex put` gives it: searches break ties by the newer timestamp.
  return noTimestamp ? { ...entry, timestamp: BigInt(Math.floor(Date.now() / 1000)) } : entry;
}
