import { parseTtlSeconds } from "@reflex/codec";
import { type ArgsSpec, parseCommandArgs } from "../args.ts";
import { type Command, helpText, printJson, printLine } from "../command.ts";
import { ExitCode, UsageError } from "../exit-codes.ts";
import { openCommandStore } from "../store.ts";

const spec: ArgsSpec = {
  command: "touch",
  synopsis: "reflex touch <tenant> <id> --ttl S [--json]",
  options: { ttl: { type: "string" }, json: { type: "boolean" } },
  positionals: ["tenant", "id"],
};

function describeExpiry(expiresAt: bigint): string {
  if (expiresAt === 0n) return "never expires";
  return `expires at ${expiresAt} (${new Date(Number(expiresAt) * 1000).toISOString().replace(".000Z", "Z")})`;
}

/** `reflex touch`: a new time to live for an entry, without writing its payload again. */
export const touchCommand: Command = {
  name: "touch",
  summary: "give an entry a new time to live",
  help: helpText({
    synopsis: spec.synopsis,
    description:
      "The entry expires S seconds from now (0: never); its fields stay as they are. The store writes a\n" +
      "new file with the same fields and the new expiry and renames it over the old one (crash-safe: a\n" +
      "file that may be mapped is never rewritten in place), so it costs a whole write of the entry.",
    options: [
      ["--ttl S", "the new time to live in seconds (required; 0: never expires)"],
      ["--json", "print the result as JSON"],
    ],
    json: '  {"tenantId":"1","entryId":"42","expiresAt":"1700003600"}   ("0": never)',
    exit: "0 touched, 1 not found (or expired), 2 usage error, 3 storage error (a server holds the root included)",
  }),
  async run(args, io) {
    const parsed = parseCommandArgs(spec, args, io.env);
    const { tenantId, entryId } = parsed.entryAddress();
    const ttlText = parsed.option("ttl");
    if (ttlText === undefined) throw new UsageError("touch: --ttl is required (0: never expires)");
    const ttlSeconds = parseTtlSeconds(ttlText, "touch: --ttl");
    const store = await openCommandStore(parsed, { write: "touch" });
    const expiresAt = await store.touch(entryId, tenantId, ttlSeconds);
    if (parsed.flag("json")) {
      await printJson(io, {
        tenantId: tenantId.toString(),
        entryId: entryId.toString(),
        expiresAt: expiresAt.toString(),
      });
    } else {
      await printLine(io, `tenant ${tenantId} entry ${entryId} ${describeExpiry(expiresAt)}`);
    }
    return ExitCode.ok;
  },
};
