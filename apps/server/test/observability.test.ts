// Metrics, request ids and logs of a real server process: spawned with a token file,
// called over loopback on the fast routes and Hono's (a 404 and a 401 among them), then
// its /metrics parsed and its stdout read line by line.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LATENCY_BUCKETS_SECONDS } from "@reflex/stats";
import { type LineChild, spawnScript } from "@reflex/testkit";
import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { entryJson, promtoolCheck, TOKEN_FILE, TOKENS } from "./helpers.ts";

const MAIN = join(import.meta.dir, "..", "src", "main.ts");
const PAYLOAD_ROUTE = "/v1/tenants/:tenant/entries/:id/payload";
const ENTRY_ROUTE = "/v1/tenants/:tenant/entries/:id";
const dir = mkdtempSync(join(tmpdir(), "reflex-observability-"));
const tokensFile = join(dir, "tokens.json");

interface Family {
  name: string;
  type: string;
  metrics: { value?: string; labels?: Record<string, string>; buckets?: Record<string, string>; count?: string }[];
}

/** A server on a fresh root with the test tokens; resolves once it prints its URL. */
async function startMain(name: string, args: string[] = []): Promise<{ child: LineChild; url: string }> {
  const child = spawnScript(MAIN, ["--root", join(dir, name), "--port", "0", "--tokens", tokensFile, ...args]);
  const banner = await child.waitFor((line) => line.startsWith("reflex listening on "));
  return { child, url: banner.slice("reflex listening on ".length) };
}

/** SIGTERM, then every stdout line after the banner and all of stderr. */
async function stop(child: LineChild): Promise<{ lines: string[]; stderr: string }> {
  child.process.kill("SIGTERM");
  expect(await child.process.exited).toBe(0);
  await child.stdoutClosed;
  return { lines: child.lines.slice(1), stderr: await child.stderr() };
}

const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

beforeAll(() => writeFileSync(tokensFile, JSON.stringify(TOKEN_FILE)));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("a real server's /metrics, request ids and JSON logs", () => {
  let server: { child: LineChild; url: string };
  let metricsText = "";
  let logged: { lines: string[]; stderr: string };
  const answers: Record<string, Response> = {};

  beforeAll(async () => {
    server = await startMain("json");
    const { url } = server;
    const put = await fetch(`${url}/v1/tenants/1/entries/42`, {
      method: "PUT",
      headers: { ...bearer(TOKENS.tenant1), "Content-Type": "application/json", "X-Request-Id": "client-put-1" },
      body: JSON.stringify(entryJson("1", "hello")),
    });
    answers.put = put;
    writeFileSync(join(dir, "json", "1", "44.rfx"), "not an entry"); // corrupt: a 500 the server reports
    for (let i = 0; i < 3; i++) {
      answers.payload = await fetch(`${url}/v1/tenants/1/entries/42/payload`, { headers: bearer(TOKENS.tenant1) });
    }
    answers.head = await fetch(`${url}/v1/tenants/1/entries/42`, { method: "HEAD", headers: bearer(TOKENS.tenant1) });
    answers.missing = await fetch(`${url}/v1/tenants/1/entries/7/payload`, { headers: bearer(TOKENS.tenant1) });
    answers.unmatched = await fetch(`${url}/no/such/route/123`, { headers: bearer(TOKENS.tenant1) });
    answers.unauthorized = await fetch(`${url}/v1/tenants/1/entries/42/payload`, {
      headers: { ...bearer(TOKENS.wrong), "X-Request-Id": "bad id with spaces" },
    });
    answers.corrupt = await fetch(`${url}/v1/tenants/1/entries/44/payload`, { headers: bearer(TOKENS.tenant1) });
    answers.listing = await fetch(`${url}/v1/tenants`, {
      headers: { ...bearer(TOKENS.admin), "X-Request-Id": "a".repeat(129) },
    });
    const metrics = await fetch(`${url}/metrics`, { headers: bearer(TOKENS.admin) });
    expect(metrics.status).toBe(200);
    metricsText = await metrics.text();
    logged = await stop(server.child);
  });

  const families = () => new Map((parsePrometheusTextFormat(metricsText) as Family[]).map((f) => [f.name, f]));
  const requests = (method: string, route: string, statusClass: string) =>
    families()
      .get("reflex_http_requests_total")
      ?.metrics.find(
        (m) => m.labels?.method === method && m.labels?.route === route && m.labels?.status_class === statusClass,
      )?.value;

  test("X-Request-Id: a valid one is echoed, a missing or unsafe one replaced by a generated id", () => {
    expect(answers.put?.headers.get("x-request-id")).toBe("client-put-1");
    const generated = [
      answers.payload,
      answers.head,
      answers.missing,
      answers.unmatched,
      answers.unauthorized,
      answers.listing,
    ].map((r) => r?.headers.get("x-request-id") ?? "");
    for (const id of generated) expect(id).toMatch(/^[0-9a-f]{12}-[0-9a-z]+$/);
    expect(new Set(generated).size).toBe(generated.length);
  });

  test("HTTP requests by method, route template and status class, fast path and Hono alike", () => {
    expect(families().get("reflex_http_requests_total")?.type).toBe("COUNTER");
    expect(families().get("reflex_http_request_duration_seconds")?.type).toBe("HISTOGRAM");
    expect(requests("PUT", ENTRY_ROUTE, "2xx")).toBe("1");
    expect(requests("GET", PAYLOAD_ROUTE, "2xx")).toBe("3");
    expect(requests("HEAD", ENTRY_ROUTE, "2xx")).toBe("1");
    expect(requests("GET", PAYLOAD_ROUTE, "4xx")).toBe("2"); // the missing entry and the 401
    expect(requests("GET", PAYLOAD_ROUTE, "5xx")).toBe("1"); // the corrupt one
    expect(requests("GET", "unmatched", "4xx")).toBe("1");
    expect(requests("GET", "/v1/tenants", "2xx")).toBe("1");
    // No raw path, id or tenant number reaches a route label.
    for (const m of families().get("reflex_http_requests_total")?.metrics ?? []) {
      expect(m.labels?.route).not.toMatch(/\/\d/);
    }
    const lines = metricsText.split("\n");
    const payloadBuckets = lines.filter((l) =>
      l.startsWith(
        `reflex_http_request_duration_seconds_bucket{method="GET",route="${PAYLOAD_ROUTE}",status_class="2xx",`,
      ),
    );
    expect(payloadBuckets).toHaveLength(LATENCY_BUCKETS_SECONDS.length + 1);
    expect(payloadBuckets.at(-1)).toEndWith('le="+Inf"} 3');
  });

  test("promtool check metrics accepts the whole exposition (and refuses a broken one)", async () => {
    expect(await promtoolCheck(metricsText)).toEqual({ code: 0, output: "" });
    expect((await promtoolCheck('# TYPE x counter\nx{a="1" 2\n')).code).not.toBe(0);
  });

  test("store histograms, build info, process metrics and engine gauges", () => {
    const f = families();
    expect(f.get("reflex_store_operation_duration_seconds")?.type).toBe("HISTOGRAM");
    const info = f.get("reflex_build_info")?.metrics[0];
    expect(info?.value).toBe("1");
    expect(info?.labels).toEqual({ version: expect.any(String), bun_version: Bun.version, store: "nvme" });
    for (const name of [
      "process_cpu_seconds_total",
      "process_resident_memory_bytes",
      "process_open_fds",
      "process_start_time_seconds",
      "reflex_event_loop_lag_seconds",
      "reflex_event_loop_lag_max_seconds",
      "reflex_store_live_mappings",
      "reflex_file_cache_entries",
      "reflex_file_cache_bytes",
      "reflex_lookup_entries",
      "reflex_lookup_bytes",
      "reflex_lookup_ready",
    ]) {
      expect([name, f.get(name)?.metrics.length]).toEqual([name, 1]);
    }
    expect(Number(f.get("process_resident_memory_bytes")?.metrics[0]?.value)).toBeGreaterThan(1 << 20);
    expect(f.get("reflex_file_cache_entries")?.metrics[0]?.value).toBe("1");
    expect(f.get("reflex_lookup_entries")?.metrics[0]?.value).toBe("1");
  });

  test("every stdout line is one JSON record; requests carry id, route, status, tenant, principal", () => {
    const records = logged.lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    const requestRecords = records.filter((r) => r.msg === "request");
    expect(requestRecords).toHaveLength(11); // every call above, /metrics included
    for (const r of requestRecords) {
      expect(Object.keys(r)).toEqual(
        expect.arrayContaining(["time", "level", "request_id", "method", "route", "path", "status", "duration_ms"]),
      );
      expect(r.level).toBe("info");
      expect(Number.isNaN(Date.parse(r.time as string))).toBe(false);
      expect(typeof r.duration_ms).toBe("number");
    }
    expect(requestRecords[0]).toMatchObject({
      request_id: "client-put-1",
      method: "PUT",
      route: ENTRY_ROUTE,
      path: "/v1/tenants/1/entries/42",
      status: 201,
      tenant: "1",
      principal: "t1",
    });
    expect(requestRecords[1]).toMatchObject({
      method: "GET",
      route: PAYLOAD_ROUTE,
      status: 200,
      tenant: "1",
      principal: "t1",
    });
    const refused = requestRecords.find((r) => r.status === 401);
    expect(refused).toMatchObject({ route: PAYLOAD_ROUTE });
    expect(refused && "principal" in refused).toBe(false); // no token checked out: no principal
    expect(requestRecords.find((r) => r.path === "/no/such/route/123")).toMatchObject({
      route: "unmatched",
      status: 404,
    });
    expect(requestRecords.find((r) => r.path === "/v1/tenants")).toMatchObject({ principal: "ops", status: 200 });
    // The ids in the log are the ones the clients got back.
    expect(requestRecords.map((r) => r.request_id)).toContain(answers.unauthorized?.headers.get("x-request-id"));
  });

  test("a server-side error is one JSON record on stderr, with the request's id and its stack as one field", () => {
    expect(answers.corrupt?.status).toBe(500);
    const errors = logged.stderr
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((r) => r.level === "error");
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({
      msg: expect.stringContaining("corrupt entry"),
      request_id: answers.corrupt?.headers.get("x-request-id"),
      error: expect.any(String),
      stack: expect.stringContaining("\n    at "),
    });
  });

  test("no token, and no Authorization header, ever reaches a log", () => {
    const everything = logged.lines.join("\n") + logged.stderr;
    for (const token of Object.values(TOKENS)) expect(everything).not.toContain(token);
    expect(everything.toLowerCase()).not.toContain("bearer");
    for (const line of logged.stderr
      .trim()
      .split("\n")
      .filter((l) => l !== "")) {
      expect(() => JSON.parse(line)).not.toThrow(); // notices are JSON too
    }
  });
});

/**
 * A server process whose stdout this test reads by hand (or stops reading): returns once its
 * first line (the banner) is read, with the reader positioned after it.
 */
async function startPiped(name: string) {
  const proc = Bun.spawn([process.execPath, MAIN, "--root", join(dir, name), "--port", "0", "--tokens", tokensFile], {
    stdout: "pipe",
    stderr: "pipe",
  });
  const reader = proc.stdout.getReader();
  const decoder = new TextDecoder();
  let banner = "";
  while (!banner.includes("\n")) banner += decoder.decode((await reader.read()).value, { stream: true });
  const url = (/^reflex listening on (\S+)/.exec(banner)?.[1] ?? "") as string;
  return { proc, reader, decoder, url, afterBanner: banner.slice(banner.indexOf("\n") + 1) };
}

describe("a log reader that falls behind", () => {
  test("no request line is lost or split while stdout is full", async () => {
    const { proc, reader, decoder, url, afterBanner } = await startPiped("slow-reader");
    let text = afterBanner;
    // Nobody reads stdout now: the pipe (64 KiB, ~250 lines) fills, the server's writes meet
    // EAGAIN and queue.
    const ids: string[] = [];
    await Promise.all(
      Array.from({ length: 8 }, async (_, worker) => {
        for (let i = 0; i < 250; i++) {
          const res = await fetch(`${url}/v1/tenants/1/entries/${worker * 1000 + i}/payload`, {
            headers: bearer(TOKENS.tenant1),
          });
          ids.push(res.headers.get("x-request-id") ?? "");
          await res.arrayBuffer();
        }
      }),
    );
    proc.kill("SIGTERM");
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
    expect(await proc.exited).toBe(0);
    const records = text
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as Record<string, unknown>); // throws on a split line
    expect(records).toHaveLength(2000);
    expect(new Set(records.map((r) => r.request_id))).toEqual(new Set(ids));
  });
});

describe("a log reader that goes away", () => {
  test("the server keeps serving (no crash, no 500) once stdout's reader is gone (EPIPE)", async () => {
    const { proc, reader, url } = await startPiped("gone-reader");
    await reader.cancel(); // the read end of the pipe closes: the server's next log write meets EPIPE
    const put = (id: number) =>
      fetch(`${url}/v1/tenants/1/entries/${id}`, {
        method: "PUT",
        headers: { ...bearer(TOKENS.tenant1), "Content-Type": "application/json" },
        body: JSON.stringify(entryJson("1", `gone ${id}`)),
      });
    for (let round = 0; round < 5; round++) {
      expect((await put(round)).status).toBe(201);
      await Bun.sleep(30); // past the 10 ms flush: the write that fails comes from the timer
    }
    const got = await fetch(`${url}/v1/tenants/1/entries/4/payload`, { headers: bearer(TOKENS.tenant1) });
    expect([got.status, await got.text()]).toEqual([200, "gone 4"]);
    expect(proc.exitCode).toBeNull(); // still running
    proc.kill("SIGTERM");
    expect(await proc.exited).toBe(0);
  });
});

describe("--log-format text", () => {
  test("one readable line per request, with the request id; REFLEX_LOG_FORMAT=xml is refused", async () => {
    const { child, url } = await startMain("text", ["--log-format", "text"]);
    const res = await fetch(`${url}/v1/tenants/2/entries/5/payload`, {
      headers: { ...bearer(TOKENS.tenant2), "X-Request-Id": "text-1" },
    });
    expect(res.status).toBe(404);
    const { lines } = await stop(child);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^\d{4}-\d\d-\d\dT[\d:.]+Z GET \/v1\/tenants\/2\/entries\/5\/payload 404 [\d.]+ms t2 text-1$/,
    );

    const bad = Bun.spawn([process.execPath, MAIN, "--port", "0"], {
      env: { ...process.env, REFLEX_LOG_FORMAT: "xml" },
      stdout: "pipe",
      stderr: "pipe",
    });
    expect(await bad.exited).toBe(2);
    expect(await new Response(bad.stderr).text()).toContain("REFLEX_LOG_FORMAT must be text or json");
  });
});
