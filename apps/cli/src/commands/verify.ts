import { type ArgsSpec, parseCommandArgs } from "../args.ts";
import { type Command, helpText, printJson, printLine } from "../command.ts";
import { ExitCode } from "../exit-codes.ts";
import { formatCount, formatTable } from "../format.ts";
import { progressEnvironment } from "../io.ts";
import { createProgress } from "../progress-bar.ts";
import { assertTenantExists, openCommandStore } from "../store.ts";

const spec: ArgsSpec = {
  command: "verify",
  synopsis: "reflex verify [--tenant N] [--json]",
  options: { tenant: { type: "string" }, json: { type: "boolean" } },
  positionals: [],
};

/** `reflex verify`: reads every entry file and reports the corrupt ones; exit 1 if any. */
export const verifyCommand: Command = {
  name: "verify",
  summary: "read every entry and report corrupt ones (exit 1 if any)",
  help: helpText({
    synopsis: spec.synopsis,
    description:
      "Reads and checks every entry file (header, checksum, protobuf body, tenant and id matching\n" +
      "its place) of the store or of one tenant, and lists every bad one. Shows progress on a\n" +
      "terminal.",
    options: [
      ["--tenant N", "only this tenant"],
      ["--json", "print the report as JSON"],
    ],
    json:
      '  {"checked":3,"ok":2,"problems":[{"tenantId":"1","entryId":"42","path":"1/42.rfx",\n' +
      '   "reason":"checksum_mismatch","message":"..."}]}\n' +
      "  path is relative to the root; reason is a codec damage code (checksum_mismatch, truncated,\n" +
      "  bad_magic, ...), tenant_mismatch, id_mismatch or unreadable",
    exit: "0 all entries ok, 1 corruption found or tenant not found, 2 usage error, 3 storage error",
  }),
  async run(args, io) {
    const parsed = parseCommandArgs(spec, args, io.env);
    const tenantId = parsed.idOption("tenant");
    const store = await openCommandStore(parsed);
    if (tenantId !== undefined) await assertTenantExists(store, tenantId);
    const progress = createProgress(progressEnvironment(io), { label: "verifying" });
    const report = await store.verify({
      ...(tenantId === undefined ? {} : { tenantId }),
      onProgress: ({ done, total }) => progress.update(done, total),
    });
    progress.finish();
    if (parsed.flag("json")) {
      // Spelled out so that the documented shape stays put if the core's report grows.
      await printJson(io, {
        checked: report.checked,
        ok: report.ok,
        problems: report.problems.map(({ tenantId, entryId, path, reason, message }) => ({
          tenantId,
          entryId,
          path,
          reason,
          message,
        })),
      });
    } else {
      const bad = report.problems.length;
      let text = `checked ${formatCount(report.checked)} ${report.checked === 1 ? "entry" : "entries"}: `;
      text += bad === 0 ? "all ok" : `${formatCount(report.ok)} ok, ${formatCount(bad)} corrupt`;
      if (bad > 0) {
        const rows = [["path", "reason", "message"], ...report.problems.map((p) => [p.path, p.reason, p.message])];
        text += `\n\n${formatTable(rows)}`;
      }
      await printLine(io, text);
    }
    return report.problems.length === 0 ? ExitCode.ok : ExitCode.checkFailed;
  },
};
