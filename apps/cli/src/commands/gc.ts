import { loadConfig, RETENTION_BOUND_OPTIONS } from "@reflex/server";
import { type ArgsSpec, parseCommandArgs } from "../args.ts";
import { type Command, helpText, printJson, printLine } from "../command.ts";
import { ExitCode, UsageError } from "../exit-codes.ts";
import { formatCount } from "../format.ts";
import { progressEnvironment } from "../io.ts";
import { createProgress } from "../progress-bar.ts";
import { closeFileStoreNow, openStore, requireFiles } from "../store.ts";

const spec: ArgsSpec = {
  command: "gc",
  synopsis:
    "reflex gc [--max-bytes SIZE] [--max-entries N] [--tenant-max-bytes SIZE] [--tenant-max-entries N] [--json]",
  options: { ...RETENTION_BOUND_OPTIONS, json: { type: "boolean" } },
  positionals: [],
};

/** `reflex gc`: a reclaim pass by hand: expired entries go, then LRU entries until within the bounds. */
export const gcCommand: Command = {
  name: "gc",
  summary: "remove expired entries, then evict least recently used ones to fit the bounds",
  help: helpText({
    synopsis: spec.synopsis,
    description:
      "Reads the header of every entry file and removes the expired ones, then, if bounds are\n" +
      "given (flags, or REFLEX_MAX_BYTES, REFLEX_MAX_ENTRIES, REFLEX_TENANT_MAX_BYTES,\n" +
      "REFLEX_TENANT_MAX_ENTRIES as for the server), evicts the least recently used entries\n" +
      "(by each file's mtime: set by every write, and by a writing store such as the server\n" +
      "to the entry's last load; not atime, which the kernel bumps on any read) until the\n" +
      "store fits: a tenant over its own bound loses its own entries first. Shows progress on\n" +
      "a terminal.",
    options: [
      ["--max-bytes SIZE", "size bound of the whole store (bytes, or 512K, 16MiB, 10G)"],
      ["--max-entries N", "entry bound of the whole store"],
      ["--tenant-max-bytes SIZE", "size bound of each tenant"],
      ["--tenant-max-entries N", "entry bound of each tenant"],
      ["--json", "print the report as JSON"],
    ],
    json: '  {"scanned":120,"expired":3,"evicted":17}',
    exit: "0 ok, 2 usage error, 3 storage error",
  }),
  async run(args, io) {
    const parsed = parseCommandArgs(spec, args, io.env);
    requireFiles(
      parsed,
      "gc",
      "Redis expires entries itself and sweeps their index as it lists, and bounds are maxmemory",
    );
    // The server's parser reads the same flags and env: one grammar for bounds everywhere.
    const boundArgs = Object.keys(RETENTION_BOUND_OPTIONS).flatMap((name) => {
      const value = parsed.option(name);
      return value === undefined ? [] : [`--${name}`, value];
    });
    let retention: ReturnType<typeof loadConfig>["retention"];
    try {
      retention = loadConfig(boundArgs, io.env).retention;
    } catch (error) {
      throw new UsageError(`gc: ${(error as Error).message}`);
    }
    const store = openStore(parsed.root, {
      write: "gc",
      sweep: true,
      retention: { ...retention, reclaimIntervalMs: 0, persistAccessIntervalMs: 0 },
    });
    const progress = createProgress(progressEnvironment(io), { label: "reclaiming" });
    const report = await store.gc({ onProgress: ({ done, total }) => progress.update(done, total) });
    progress.finish();
    closeFileStoreNow(store);
    if (parsed.flag("json")) {
      await printJson(io, report);
    } else {
      await printLine(
        io,
        `scanned ${formatCount(report.scanned)} entries: ${formatCount(report.expired)} expired, ` +
          `${formatCount(report.evicted)} evicted`,
      );
    }
    return ExitCode.ok;
  },
};
