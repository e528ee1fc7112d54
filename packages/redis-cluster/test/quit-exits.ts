// A child for redis-cluster-store.test.ts: opens a store on the cluster named by argv[2],
// writes, searches and looks up (every client used), quits, and must then exit by itself.
import { f16Bytes } from "@reflex/testkit";
import { RedisClusterStore } from "../src/index.ts";

const store = await RedisClusterStore.open({ nodes: process.argv[2] as string, namespace: `quit-${process.pid}` });
const entry = {
  tenantId: 1n,
  contextHash: 2n,
  timestamp: 3n,
  embedding: f16Bytes([1, 0]),
  payloadBlob: new Uint8Array(4),
};
(await store.store(1n, entry)).release();
const hits = await store.search(1n, f16Bytes([1, 0]));
const found = await store.findByContext(1n, 2n);
await store.quit();
console.log(JSON.stringify({ hits: hits.length, found: found.length }));
