import { encodeDumpRecord } from "@reflex/codec";
import { isStoreError } from "@reflex/core";
import { type ArgsSpec, parseCommandArgs } from "../args.ts";
import { type Command, helpText } from "../command.ts";
import { ExitCode, UsageError } from "../exit-codes.ts";
import { formatBytes, formatCount } from "../format.ts";
import { BufferedOutput, progressEnvironment } from "../io.ts";
import { createProgress } from "../progress-bar.ts";
import { assertTenantExists, openCommandStore } from "../store.ts";

const spec: ArgsSpec = {
  command: "export",
  synopsis: "reflex export [--tenant N] > dump",
  options: { tenant: { type: "string" } },
  positionals: [],
};

/** `reflex export`: every entry (or one tenant's) as a size-delimited protobuf stream on stdout. */
export const exportCommand: Command = {
  name: "export",
  summary: "write every entry (or one tenant's) to stdout as a dump",
  help: helpText({
    synopsis: spec.synopsis,
    description:
      "Writes the store, or one tenant, to stdout as a stream of size-delimited protobuf\n" +
      "reflex.v1.DumpRecord messages (varint length, then {entry_id, entry}), tenants and ids\n" +
      "ascending, so the same store always gives the same bytes. `reflex import` reads it back.\n" +
      "Every entry is verified as it is read; a corrupt one stops the export (exit 3).\n" +
      "Refuses to write to a terminal. Shows progress on stderr when stderr is a terminal.",
    options: [["--tenant N", "only this tenant"]],
    exit: "0 ok, 1 tenant not found, 2 usage error, 3 storage error",
  }),
  async run(args, io) {
    const parsed = parseCommandArgs(spec, args, io.env);
    const tenantId = parsed.idOption("tenant");
    if (io.stdout.isTTY) throw new UsageError("export: refusing to write a binary dump to a terminal; redirect stdout");
    const store = await openCommandStore(parsed);
    if (tenantId !== undefined) await assertTenantExists(store, tenantId);
    const tenants = tenantId === undefined ? await store.listTenants() : [tenantId];
    const work: { tenant: bigint; ids: bigint[] }[] = [];
    for (const tenant of tenants) work.push({ tenant, ids: await store.listEntries(tenant) });
    const total = work.reduce((sum, item) => sum + item.ids.length, 0);
    const progress = createProgress(progressEnvironment(io), { label: "exporting", total, stdoutIsData: true });
    const out = new BufferedOutput(io.stdout);
    let done = 0;
    let exported = 0;
    try {
      for (const { tenant, ids } of work) {
        for (const id of ids) {
          let record: Uint8Array | undefined;
          try {
            const handle = await store.load(id, tenant);
            try {
              record = encodeDumpRecord(id, handle); // reads the handle's views: no copy
            } finally {
              handle.release();
            }
          } catch (error) {
            if (!isStoreError(error, "not_found")) throw error; // deleted since the listing: not part of the dump
          }
          if (record !== undefined) {
            await out.write(record);
            exported++;
          }
          done++;
          progress.update(done, total, `${formatBytes(out.written)}`);
        }
      }
      await out.flush();
    } finally {
      progress.finish();
    }
    if (io.stderr.isTTY) {
      await io.stderr.write(
        `exported ${formatCount(exported)} entries of ${formatCount(tenants.length)} tenants (${formatBytes(out.written)})\n`,
      );
    }
    return ExitCode.ok;
  },
};
