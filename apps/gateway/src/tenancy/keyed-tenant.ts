import { createHmac } from "node:crypto";

/**
 * The pass-through tenant of a bearer token: the first 8 bytes of HMAC-SHA256(secret, token),
 * big-endian, as a u64. Keyed, so a tenant id (in a path, a log or a metric) reveals nothing
 * of the token without the server's secret; the same secret gives the same tenant in every
 * process (what several gateways on one Redis Cluster need).
 *
 * @example keyedTenant(secret, "sk-abc") // e.g. 13803358290214316915n
 */
export function keyedTenant(secret: Uint8Array, token: string): bigint {
  const digest = createHmac("sha256", secret).update(token, "utf8").digest();
  return digest.readBigUInt64BE(0);
}
