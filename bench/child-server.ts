/**
 * Child processes of the HTTP scenario: a server started with `bun <script>` that prints
 * `... listening on <url>` as its first stdout line, on loopback only, and how much CPU
 * it used (from /proc), so a figure can give server CPU per request beside req/s.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";

const REPO = join(import.meta.dir, "..");

/** A child process that printed `... listening on <url>` as its first stdout line. */
export interface Child {
  readonly url: string;
  readonly pid: number;
  readonly lines: string[];
  stop(): Promise<void>;
}

/** Starts `argv` in the repository root and waits for its `listening on` line (`startMs`, default 15 s, at most). */
export async function startChild(
  argv: string[],
  env: Record<string, string | undefined>,
  startMs = 15_000,
): Promise<Child> {
  const proc = Bun.spawn(argv, { cwd: REPO, env, stdout: "pipe", stderr: "pipe", stdin: "ignore" });
  const lines: string[] = [];
  let stderr = "";
  void (async () => {
    for await (const chunk of proc.stderr) stderr = `${stderr}${new TextDecoder().decode(chunk)}`.slice(-4000);
  })();
  let firstLine: (url: string) => void = () => undefined;
  const url = new Promise<string>((resolve) => {
    firstLine = resolve;
  });
  void (async () => {
    let pending = "";
    for await (const chunk of proc.stdout) {
      pending += new TextDecoder().decode(chunk);
      let newline = pending.indexOf("\n");
      while (newline >= 0) {
        const line = pending.slice(0, newline);
        pending = pending.slice(newline + 1);
        const match = / listening on (\S+)/.exec(line);
        if (match !== null) firstLine(match[1] as string);
        else lines.push(line);
        if (lines.length > 10_000) lines.splice(0, 5_000);
        newline = pending.indexOf("\n");
      }
    }
  })();
  const origin = await withinMs(Promise.race([url, proc.exited.then(() => null)]), startMs);
  if (origin === null) {
    proc.kill();
    throw new Error(`${argv.join(" ")} did not start: ${stderr}`);
  }
  if (!/^https?:\/\/127\.0\.0\.1:\d+$/.test(origin)) {
    proc.kill();
    throw new Error(`${argv.join(" ")} listens on ${origin}, not loopback`);
  }
  return {
    url: origin,
    pid: proc.pid,
    lines,
    async stop() {
      proc.kill("SIGTERM");
      const exited = await withinMs(proc.exited, 5000);
      if (exited === null) proc.kill("SIGKILL");
    },
  };
}

/** The environment of a Reflex server child: this one with `REFLEX_ROOT`, and no tokens or retention. */
export function serverEnv(root: string): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = { ...process.env, REFLEX_ROOT: root };
  for (const key of Object.keys(env)) {
    if (key.startsWith("REFLEX_") && key !== "REFLEX_ROOT") delete env[key]; // no tokens, no retention
  }
  return env;
}

/** VmRSS of `pid` in MiB, from /proc (NaN when unreadable). */
export function rssMiB(pid: number): number {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match === null ? Number.NaN : Number(match[1]) / 1024;
  } catch {
    return Number.NaN;
  }
}

/** User + system CPU seconds `pid` has used so far (from /proc; NaN when unreadable). */
export function cpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
    // utime and stime are fields 14 and 15 of stat(5), 12 and 13 after the command name.
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return Number.NaN;
  }
}

/**
 * `promise`'s value, or null when it has not settled within `ms`. The timer is cleared
 * either way: a pending one kept the bench process alive after its last scenario.
 */
async function withinMs<T>(promise: Promise<T>, ms: number): Promise<T | null> {
  let timer: Timer | undefined;
  const timeout = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
