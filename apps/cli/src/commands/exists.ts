import { isStoreError } from "@reflex/core";
import { type ArgsSpec, parseCommandArgs } from "../args.ts";
import { type Command, helpText, printJson, printLine } from "../command.ts";
import { ExitCode } from "../exit-codes.ts";
import { openCommandStore } from "../store.ts";

const spec: ArgsSpec = {
  command: "exists",
  synopsis: "reflex exists <tenant> <id> [--json]",
  options: { json: { type: "boolean" } },
  positionals: ["tenant", "id"],
};

/**
 * `reflex exists`: exit 0 when the entry exists and loads intact, 1 when it does not, 3 when
 * it is corrupt: it loads and verifies the entry, as the server's HEAD does, so the two agree.
 */
export const existsCommand: Command = {
  name: "exists",
  summary: "test whether an entry exists (exit 0 / 1)",
  help: helpText({
    synopsis: spec.synopsis,
    description:
      "Tests whether an entry exists: it loads and verifies it (checksum, tenant, id), as the\n" +
      "server's HEAD does, so the two agree: a corrupt entry is exit 3, as HEAD answers 500 and\n" +
      "`reflex get` exits 3 (`reflex verify` lists every damaged file).\n" +
      "For scripts: `if reflex exists 1 42 >/dev/null; then ...`.",
    options: [["--json", "print the answer as JSON (the exit status is the same)"]],
    json: '  {"tenantId":"1","entryId":"42","exists":true}',
    exit: "0 exists, 1 does not exist, 2 usage error, 3 corrupt entry or storage error",
  }),
  async run(args, io) {
    const parsed = parseCommandArgs(spec, args, io.env);
    const { tenantId, entryId } = parsed.entryAddress();
    const store = await openCommandStore(parsed);
    let exists = true;
    try {
      (await store.load(entryId, tenantId)).release();
    } catch (error) {
      if (!isStoreError(error, "not_found")) throw error; // corrupt: exit 3, as get
      exists = false;
    }
    if (parsed.flag("json")) await printJson(io, { tenantId, entryId, exists });
    else await printLine(io, `tenant ${tenantId} entry ${entryId} ${exists ? "exists" : "does not exist"}`);
    return exists ? ExitCode.ok : ExitCode.notFound;
  },
};
