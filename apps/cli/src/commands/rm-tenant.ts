import { type ArgsSpec, parseCommandArgs, parseId } from "../args.ts";
import { type Command, helpText, printJson, printLine } from "../command.ts";
import { ExitCode } from "../exit-codes.ts";
import { formatCount } from "../format.ts";
import { progressEnvironment } from "../io.ts";
import { createProgress } from "../progress-bar.ts";
import { openCommandStore } from "../store.ts";

const spec: ArgsSpec = {
  command: "rm-tenant",
  synopsis: "reflex rm-tenant <tenant> [--json]",
  options: { json: { type: "boolean" } },
  positionals: ["tenant"],
};

/** `reflex rm-tenant`: deletes a whole tenant, crash-safe, with progress on a terminal. */
export const rmTenantCommand: Command = {
  name: "rm-tenant",
  summary: "delete a whole tenant (crash-safe)",
  help: helpText({
    synopsis: spec.synopsis,
    description:
      "Deletes every entry of a tenant. One rename of its directory takes the whole tenant out of\n" +
      "every listing and load at once; then its files are removed, with progress on a terminal.\n" +
      "If the command dies midway, no entry of the tenant is visible, and the next writer that opens\n" +
      "the root (any writing command, or the server) finishes the removal.",
    options: [["--json", "print the result as JSON"]],
    json: '  {"tenantId":"1","removed":1234}   (removed: entries)',
    exit: "0 deleted, 1 tenant not found, 2 usage error, 3 storage error (a server holds the root included)",
  }),
  async run(args, io) {
    const parsed = parseCommandArgs(spec, args, io.env);
    const tenantId = parseId(parsed.required(0), "tenant");
    const store = await openCommandStore(parsed, { write: "rm-tenant" });
    const progress = createProgress(progressEnvironment(io), { label: `removing tenant ${tenantId}` });
    const removed = await store.deleteTenant(tenantId, {
      onProgress: ({ done, total }) => progress.update(done, total),
    });
    progress.finish();
    if (parsed.flag("json")) await printJson(io, { tenantId: tenantId.toString(), removed });
    else
      await printLine(io, `removed tenant ${tenantId}: ${formatCount(removed)} ${removed === 1 ? "entry" : "entries"}`);
    return ExitCode.ok;
  },
};
