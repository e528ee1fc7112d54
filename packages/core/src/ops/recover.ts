import { decodeEnvelope } from "@reflex/codec";
import { errnoOf, ioError, rethrowCodecError } from "../contract/store-error.ts";
import { entryFilePath, tenantDirPath } from "../disk/layout.ts";
import { removeEntryFile } from "../disk/remove-entry-file.ts";
import { writeEntryFileSync } from "../disk/write-entry.ts";
import type { StoreContext } from "../store/store-context.ts";
import { type ReplayResult, replayLog } from "../wal/replay.ts";

/**
 * Replays the root's write-ahead log left by the last writer (see wal/replay.ts), through
 * the store's own write and removal paths (no log, no fsync: the replay makes it all
 * durable at its end, or the store's own log takes the segments over and checkpoints them
 * in the background), so the indexes hear of each change. A writer runs it as it opens.
 */
export function recoverLog(context: StoreContext): ReplayResult {
  return replayLog(
    context.root,
    context.ops,
    (tenantId, entryId, envelope) => {
      let decoded: ReturnType<typeof decodeEnvelope>;
      try {
        decoded = decodeEnvelope(envelope);
      } catch (error) {
        rethrowCodecError(error);
      }
      if (!context.dirs.isKnown(tenantId)) context.dirs.create(tenantId, false);
      const write = {
        tenantId,
        entryId,
        entry: decoded.entry,
        directory: tenantDirPath(context.root, tenantId),
        finalPath: entryFilePath(context.root, tenantId, entryId),
        bytes: envelope,
        durable: false,
        expiresAt: decoded.expiresAt,
      };
      writeEntryFileSync({ ...context, wal: null }, write);
    },
    (tenantId, entryId) => {
      try {
        removeEntryFile(context, tenantId, entryId, "deleted");
      } catch (error) {
        const errno = errnoOf(error);
        if (errno !== "ENOENT" && errno !== "ENOTDIR")
          throw ioError("unlink", entryFilePath(context.root, tenantId, entryId), error);
      }
    },
    context.wal === null ? null : (paths, changed, keys) => context.wal?.adopt(paths, changed, keys),
  );
}
