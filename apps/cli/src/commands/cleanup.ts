import { type ArgsSpec, parseCommandArgs } from "../args.ts";
import { type Command, helpText, printJson, printLine } from "../command.ts";
import { ExitCode } from "../exit-codes.ts";
import { formatCount } from "../format.ts";
import { openStore, requireFiles } from "../store.ts";

const spec: ArgsSpec = {
  command: "cleanup",
  synopsis: "reflex cleanup [--json]",
  options: { json: { type: "boolean" } },
  positionals: [],
};

function plural(count: number, one: string, many: string): string {
  return `${formatCount(count)} ${count === 1 ? one : many}`;
}

/** `reflex cleanup`: removes empty tenant directories and stale temp files. */
export const cleanupCommand: Command = {
  name: "cleanup",
  summary: "remove empty tenant directories and stale temp files",
  help: helpText({
    synopsis: spec.synopsis,
    description:
      "Removes empty tenant directories, and temp files left by crashed writers (a live\n" +
      "writer's temp files are kept). It writes, so it takes the root's writer lock: while a\n" +
      "server holds the root it exits 3 (use `POST /v1/maintenance/cleanup` on the server then).",
    options: [["--json", "print the counts as JSON"]],
    json: '  {"removedTenantDirs":2,"removedTempFiles":0}',
    exit: "0 ok, 2 usage error, 3 storage error",
  }),
  async run(args, io) {
    const parsed = parseCommandArgs(spec, args, io.env);
    requireFiles(parsed, "cleanup", "there are no tenant directories or temp files to remove");
    const store = openStore(parsed.root, { write: "cleanup", sweep: true });
    const removedTempFiles = store.sweep.removed;
    const removedTenantDirs = store.cleanupEmptyTenantDirsSync();
    if (parsed.flag("json")) {
      await printJson(io, { removedTenantDirs, removedTempFiles });
    } else {
      await printLine(
        io,
        `removed ${plural(removedTenantDirs, "empty tenant directory", "empty tenant directories")} and ` +
          `${plural(removedTempFiles, "stale temp file", "stale temp files")}`,
      );
    }
    return ExitCode.ok;
  },
};
