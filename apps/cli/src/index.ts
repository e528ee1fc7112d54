/**
 * `@reflex/cli`: the `reflex` command, as a library (the executable is `src/main.ts`).
 *
 * @example
 * import { run } from "@reflex/cli";
 * process.exitCode = await run(["stats", "--json", "--root", "./reflex-data"]);
 */
export { type ArgsSpec, CommandArgs, DEFAULT_ROOT, GLOBAL_OPTIONS, parseCommandArgs, parseId } from "./args.ts";
export type { Command, HelpParts } from "./command.ts";
export { ExitCode, errorLine, exitCodeFor, isUsageError, UsageError } from "./exit-codes.ts";
export { formatBytes, formatCount, formatDuration, formatRate, formatTable } from "./format.ts";
export { BufferedOutput, type Input, type Io, type Output, processIo } from "./io.ts";
export {
  createProgress,
  NO_PROGRESS,
  type Progress,
  ProgressBar,
  type ProgressBarOptions,
  type ProgressStream,
  progressEnabled,
  renderProgressLine,
} from "./progress-bar.ts";
export { COMMANDS, generalHelp, run, VERSION } from "./run.ts";
