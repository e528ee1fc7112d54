import { describeEntryStoreContract } from "@reflex/core/contract";
import { useCluster } from "../test/use-cluster.ts";

const harness = useCluster();

describeEntryStoreContract("RedisClusterStore (replicated)", async () => {
  const store = await harness.open();
  return { store, dispose: () => store.quit() };
});
describeEntryStoreContract("RedisClusterStore (atomic, 3 buckets)", async () => {
  const store = await harness.open({ durability: "atomic", buckets: 3 });
  return { store, dispose: () => store.quit() };
});
