#!/usr/bin/env bun
// The `reflex` executable: runs the command and exits with its code once its output is written.
import { run } from "./run.ts";

process.exit(await run(process.argv.slice(2)));
