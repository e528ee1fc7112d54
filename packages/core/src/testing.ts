/**
 * `@reflex/core/testing`: the store's fault-injection seam. A test hands `NvmeStorage` a
 * {@link FileOps} that fails one call (`ENOSPC`, `EIO`, ...) and checks that nothing is lost.
 *
 * @example
 * import { nodeFileOps, type FileOps } from "@reflex/core/testing";
 * const failing: FileOps = { ...nodeFileOps, fsyncSync: () => { throw Object.assign(new Error("EIO"), { code: "EIO" }); } };
 */
export { DIR_OPEN_FLAGS, type FileOps, nodeFileOps, TEMP_OPEN_FLAGS } from "./disk/file-ops.ts";
