import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describeEntryStoreContract } from "../../test/entry-store-contract.ts";
import { NvmeStorage } from "./nvme-storage.ts";

function openNvme(options: ConstructorParameters<typeof NvmeStorage>[1] = {}) {
  const dir = mkdtempSync(join(tmpdir(), "reflex-contract-"));
  const store = new NvmeStorage(join(dir, "root"), options);
  return {
    store,
    dispose: () => {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

describeEntryStoreContract("NvmeStorage (fsync)", () => openNvme());
describeEntryStoreContract("NvmeStorage (atomic, no handle cache, bounded)", () =>
  openNvme({ durability: "atomic", handleCache: { maxEntries: 0 }, retention: { maxEntries: 1000 } }),
);
