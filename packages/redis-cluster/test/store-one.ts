// A child for tenant-ops.test.ts: opens a store on the cluster argv[2], namespace argv[3],
// stores one entry (tenant argv[4], id argv[5], context hash 9) and quits. Run synchronously
// from inside a deletion's progress callback, its write lands at a known point of the deletion.
import { RedisClusterStore } from "../src/index.ts";

const [nodes, namespace, tenant, id] = process.argv.slice(2) as [string, string, string, string];
const store = await RedisClusterStore.open({ nodes, namespace, sweepIntervalMs: 0 });
const entry = {
  tenantId: BigInt(tenant),
  contextHash: 9n,
  timestamp: 1_700_000_000n,
  embedding: new Uint8Array(new Float16Array([1, 0.5]).buffer),
  payloadBlob: new Uint8Array([7]),
};
(await store.store(BigInt(id), entry)).release();
await store.quit();
