import { isStoreError, type VerifyOptions, type VerifyProblem, type VerifyReport } from "@reflex/core";
import { checkId, envelopeHandle } from "@reflex/core/backend";
import { type ClusterContext, nowSeconds } from "./context.ts";
import { bucketKeys } from "./layout.ts";
import { listTenants, tenantUsage } from "./read-ops.ts";
import { readError } from "./redis-errors.ts";

/** Ids read from an index per round trip. */
const BATCH = 256;

/**
 * Reads every entry the indexes list (of one tenant, or all) and verifies each envelope
 * and its place: a damaged value is a problem with the codec's reason, one that holds
 * another tenant's or id's entry `tenant_mismatch` / `id_mismatch`, and an index member
 * whose value is gone without having expired `missing`. `path` is the entry's key.
 */
export async function verifyEntries(context: ClusterContext, options: VerifyOptions = {}): Promise<VerifyReport> {
  const tenants = options.tenantId === undefined ? await listTenants(context) : [checkId(options.tenantId, "tenant")];
  const problems: VerifyProblem[] = [];
  let checked = 0;
  let ok = 0;
  try {
    let total = 0;
    for (const tenantId of tenants) total += (await tenantUsage(context, tenantId)).entryCount;
    for (const tenantId of tenants) {
      for (let bucket = 0; bucket < context.buckets; bucket++) {
        const keys = bucketKeys(context.options.namespace, tenantId, bucket);
        let after = "-";
        for (;;) {
          const members = await context.clients.reader.zrangebylex(keys.ids, after, "+", "LIMIT", 0, BATCH);
          if (members.length === 0) break;
          after = `(${members[members.length - 1]}`;
          const values = await context.clients.reader.mgetBuffer(...members.map((m) => keys.entryPrefix + m));
          for (let i = 0; i < members.length; i++) {
            const member = members[i] as string;
            const entryId = BigInt(member);
            const path = keys.entryPrefix + member;
            const value = values[i];
            if (value === null || value === undefined) {
              // Expired since the sweep above: not a problem, and not checked.
              const expiresAt = await context.clients.reader.zscore(keys.exp, member);
              if (expiresAt !== null && BigInt(expiresAt) <= nowSeconds()) continue;
              checked++;
              problems.push({ tenantId, entryId, path, reason: "missing", message: `${path} is indexed but absent` });
              continue;
            }
            checked++;
            try {
              envelopeHandle(value, tenantId, entryId, path).release();
              ok++;
            } catch (error) {
              if (!isStoreError(error, "corrupt")) throw error;
              problems.push({ tenantId, entryId, path, reason: error.reason ?? "corrupt", message: error.message });
            }
          }
          options.onProgress?.({ done: checked, total: Math.max(total, checked) });
          if (members.length < BATCH) break;
        }
      }
    }
  } catch (error) {
    if (isStoreError(error)) throw error;
    throw readError("verify", error);
  }
  return { checked, ok, problems };
}
