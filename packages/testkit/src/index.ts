/**
 * `@reflex/testkit`: what the Reflex store test suites share. A leaf package: it
 * depends on no other `@reflex` package (core and codec tests depend on it), so
 * anything that needs a real store takes it as a parameter.
 *
 * @example
 * import { makeEntry, plain, removeTempDirs, tempDir } from "@reflex/testkit";
 * afterEach(removeTempDirs);
 * const store = new NvmeStorage(tempDir());
 * store.storeSync(1n, makeEntry());
 */
export { concat, patternBytes, sameBytes } from "./bytes.ts";
export { type LineChild, type SpawnLinesOptions, spawnLines, spawnScript } from "./child-process.ts";
export {
  type CrashKey,
  type CrashMix,
  type CrashWriterOptions,
  type CrashWriterStore,
  runCrashWriter,
} from "./crash-writer.ts";
export { type EntrySpec, makeEntry, type PlainEntry, plain, type TestEntry } from "./entry.ts";
export { entryArbitrary, fieldBytesArbitrary, i64Arbitrary, sampleSeeded, u64Arbitrary } from "./entry-arbitraries.ts";
export { unlessMissing } from "./missing.ts";
export { promtoolCheck } from "./promtool.ts";
export { SeededRandom } from "./random.ts";
export { readyLine } from "./ready-line.ts";
export { type SelfSignedCert, selfSignedCert } from "./self-signed-cert.ts";
export { entryProblem, entrySeed, taggedEntry } from "./tagged-entry.ts";
export { removeTempDirs, tempDir } from "./temp-dirs.ts";
export { thrownBy } from "./thrown.ts";
export { cosine, f16Bytes, f16Values, VectorSource } from "./vectors.ts";
