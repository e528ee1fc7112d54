// (Re)writes test/golden/entry-v1.bin and entry-v2.bin from test/golden-entry.ts.
//
//   bun test/write-golden.ts
//
// Only run this for a deliberate format change: envelope.test.ts compares the encoder's
// output to the committed file byte for byte, and pins a few header bytes literally.
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { encodeEnvelope } from "../src/envelope.ts";
import { GOLDEN_ENTRY_ID, GOLDEN_PATH, goldenEntry } from "./golden-entry.ts";

const path = fileURLToPath(GOLDEN_PATH);
const file = encodeEnvelope(GOLDEN_ENTRY_ID, goldenEntry());
mkdirSync(dirname(path), { recursive: true });
writeFileSync(path, file);
console.log(`wrote ${file.byteLength} bytes to ${path} (crc32 of file ${Bun.hash.crc32(file).toString(16)})`);

// Version 2: the same entry with an expiry.
const v2Path = fileURLToPath(new URL("./golden/entry-v2.bin", import.meta.url));
const v2 = encodeEnvelope(GOLDEN_ENTRY_ID, goldenEntry(), 1_700_003_600n);
writeFileSync(v2Path, v2);
console.log(`wrote ${v2.byteLength} bytes to ${v2Path}`);
