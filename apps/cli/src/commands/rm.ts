import { type ArgsSpec, parseCommandArgs } from "../args.ts";
import { type Command, helpText, printLine } from "../command.ts";
import { ExitCode } from "../exit-codes.ts";
import { openCommandStore } from "../store.ts";

const spec: ArgsSpec = {
  command: "rm",
  synopsis: "reflex rm <tenant> <id>",
  options: {},
  positionals: ["tenant", "id"],
};

/** `reflex rm`: deletes an entry, durably. */
export const rmCommand: Command = {
  name: "rm",
  summary: "delete an entry",
  help: helpText({
    synopsis: spec.synopsis,
    description: "Deletes an entry; returns once the deletion is durable (fsync of the tenant directory).",
    exit: "0 deleted, 1 not found, 2 usage error, 3 storage error",
  }),
  async run(args, io) {
    const parsed = parseCommandArgs(spec, args, io.env);
    const { tenantId, entryId } = parsed.entryAddress();
    const store = await openCommandStore(parsed, { write: "rm", sweep: true });
    await store.delete(entryId, tenantId);
    await printLine(io, `removed tenant ${tenantId} entry ${entryId}`);
    return ExitCode.ok;
  },
};
