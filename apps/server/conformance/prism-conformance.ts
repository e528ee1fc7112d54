// OpenAPI conformance: Stoplight Prism in proxy mode with --errors in front of a real server
// (`bun src/main.ts`), once with auth off and once with a token file. Every scripted request
// (requests.ts) goes through Prism; a request or response violation, or a status other than
// the one expected, fails the run (exit 1). Loopback only, bounded in time, every process
// started here stopped by pid. Run: `bun run --cwd apps/server conformance`.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { removeServerLogs, type ServerProcess, startServerProcess } from "../test/server-process.ts";
import { type PrismProcess, startPrism } from "./prism-process.ts";
import { authOffCases, authOnCases, type Case, CORRUPT_ID, TOKEN_FILE } from "./requests.ts";

const MAX_BODY_BYTES = 4096;
/** SIGKILLs of the processes running now, by pid, for the watchdog. */
const running = new Set<() => void>();
const OVERALL_TIMEOUT_MS = 110_000;

interface Outcome {
  readonly passed: number;
  readonly failures: string[];
}

function violationsOf(response: Response, text: string): string | undefined {
  const header = response.headers.get("sl-violations");
  if (header !== null) return header;
  if ((response.headers.get("content-type") ?? "").includes("problem+json")) return text;
  return undefined;
}

async function send(base: string, c: Case): Promise<{ response: Response; text: string }> {
  const response = await fetch(`${base}${c.path}`, {
    method: c.method,
    ...(c.headers === undefined ? {} : { headers: c.headers }),
    ...(c.body === undefined ? {} : { body: c.body }),
    redirect: "manual",
    signal: AbortSignal.timeout(10_000),
  });
  return { response, text: c.method === "HEAD" ? "" : await response.text() };
}

type OpenApiDocument = { paths: Record<string, Record<string, { responses?: Record<string, unknown> }>> };

/**
 * A HEAD answer checked against the document directly: Prism cannot relay a HEAD error
 * answer (it parses the empty body of its JSON content type and answers 500), so the status
 * the server gives must be one the document lists for that HEAD, and the one expected.
 */
async function checkHead(server: ServerProcess, document: OpenApiDocument, c: Case): Promise<string | undefined> {
  const { response } = await send(server.url, c);
  const documented = Object.keys(document.paths[HEAD_TEMPLATE]?.head?.responses ?? {});
  if (!documented.includes(String(response.status))) {
    return `HEAD answered ${response.status}, which the document does not list (${documented.join(", ")})`;
  }
  return response.status === c.status ? undefined : `status ${response.status}, expected ${c.status}`;
}

const HEAD_TEMPLATE = "/v1/tenants/{tenant}/entries/{id}";

/** Sends every case through Prism; a failure names the case and what Prism or the server said. */
async function runCases(
  prism: PrismProcess,
  server: ServerProcess,
  document: OpenApiDocument,
  cases: readonly Case[],
): Promise<Outcome> {
  const failures: string[] = [];
  let passed = 0;
  for (const c of cases) {
    const label = `${c.method} ${c.path} (${c.name})`;
    try {
      if (c.method === "HEAD") {
        const failure = await checkHead(server, document, c);
        if (failure === undefined) passed++;
        else failures.push(`${label}: ${failure}`);
        continue;
      }
      const { response, text } = await send(prism.url, c);
      const violations = violationsOf(response, text);
      if (c.refusedByDocument === true) {
        // The document must refuse it (Prism answers 422 without forwarding) and the server too.
        const direct = await send(server.url, c);
        if (violations === undefined) failures.push(`${label}: the document accepts what the server refuses`);
        else if (direct.response.status !== c.status) {
          failures.push(`${label}: the server answered ${direct.response.status}, expected ${c.status}`);
        } else passed++;
        continue;
      }
      if (violations !== undefined) {
        failures.push(
          `${label}: violation ${response.status}: ${violations.slice(0, 2000)} ${response.headers.get("sl-violations") ?? ""}`,
        );
      } else if (response.status !== c.status) {
        failures.push(`${label}: status ${response.status}, expected ${c.status}: ${text.slice(0, 300)}`);
      } else passed++;
    } catch (error) {
      failures.push(`${label}: ${(error as Error).message}`);
    }
  }
  return { passed, failures };
}

/** One run: a fresh root (with one damaged entry file), a server, its own document, Prism in front. */
async function runMode(name: string, serverArgs: string[], cases: readonly Case[], dir: string): Promise<Outcome> {
  const root = join(dir, `root-${name}`);
  mkdirSync(join(root, "1"), { recursive: true });
  writeFileSync(join(root, "1", `${CORRUPT_ID}.rfx`), "RFLX but not an entry file");
  const server = await startServerProcess(["--root", root, "--max-body", String(MAX_BODY_BYTES), ...serverArgs]);
  const killServer = () => server.process.kill("SIGKILL");
  running.add(killServer);
  let prism: PrismProcess | undefined;
  try {
    // The document the running server serves: it says whether auth is on.
    const document = join(dir, `openapi-${name}.json`);
    const text = await (await fetch(`${server.url}/openapi.json`)).text();
    writeFileSync(document, text);
    prism = await startPrism(document, server.url, join(dir, `prism-${name}.log`));
    running.add(prism.kill);
    const outcome = await runCases(prism, server, JSON.parse(text) as OpenApiDocument, cases);
    if (outcome.failures.length > 0) console.log(`--- prism output (${name}) ---\n${prism.log().slice(-4000)}`);
    return outcome;
  } finally {
    await prism?.stop();
    if (prism !== undefined) running.delete(prism.kill);
    await server.stop();
    running.delete(killServer);
  }
}

async function main(): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), "reflex-prism-"));
  try {
    const tokens = join(dir, "tokens.json");
    writeFileSync(tokens, JSON.stringify(TOKEN_FILE));
    const outcomes = [
      ["auth off", await runMode("auth-off", [], authOffCases(MAX_BODY_BYTES), dir)],
      ["auth on", await runMode("auth-on", ["--tokens", tokens], authOnCases(), dir)],
    ] as const;
    let failed = 0;
    for (const [name, outcome] of outcomes) {
      console.log(`${name}: ${outcome.passed} requests conform, ${outcome.failures.length} do not`);
      for (const failure of outcome.failures) console.log(`  FAIL ${failure}`);
      failed += outcome.failures.length;
    }
    return failed === 0 ? 0 : 1;
  } finally {
    rmSync(dir, { recursive: true, force: true });
    removeServerLogs();
  }
}

const watchdog = setTimeout(() => {
  console.error(`openapi conformance: gave up after ${OVERALL_TIMEOUT_MS} ms`);
  for (const kill of running) kill();
  process.exit(1);
}, OVERALL_TIMEOUT_MS);
main().then(
  (code) => {
    clearTimeout(watchdog);
    process.exit(code);
  },
  (error: unknown) => {
    clearTimeout(watchdog);
    console.error(`openapi conformance: ${(error as Error)?.stack ?? error}`);
    process.exit(1);
  },
);
