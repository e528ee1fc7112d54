import { usageOf } from "../cache/cached-answer.ts";
import { isCompleteAnswer } from "../cache/complete-answer.ts";
import type { Flight, OpenedStream } from "../cache/flight.ts";
import type { GatewayDeps } from "../gateway-deps.ts";
import { GatewayError } from "../gateway-error.ts";
import type { ParaphraseJoin } from "../semantic/paraphrase-flights.ts";
import { StreamFlight } from "../stream/stream-flight.ts";
import { replaySse } from "../stream/stream-replay.ts";
import { clientResponseHeaders, upstreamRequestHeaders } from "../upstream/forward-headers.ts";
import type { WholeAnswer } from "../upstream/upstream-client.ts";
import { type CachedRequest, SSE_CONTENT_TYPE } from "./cached-request.ts";
import { formatSimilarity, SIMILARITY_HEADER, setReflexHeaders } from "./reflex-headers.ts";

/** The upstream path of each cached endpoint. */
const UPSTREAM_PATHS = { "chat.completions": "/chat/completions", embeddings: "/embeddings" } as const;

const decoder = new TextDecoder();
const encoder = new TextEncoder();

/**
 * A miss (or bypass): one upstream call per identical request in flight (cache/flight.ts says
 * who follows what). The leader's answer goes out as it comes: a JSON body as received, an
 * SSE stream byte for byte as it arrives. Once the answer is complete (and only then) it is
 * stored, off the response path; the flight stays joinable until the write is done, so a
 * request arriving meanwhile either joins it or finds the entry. With `embedding` (the request's
 * semantic text's, after a semantic miss), a flight it leads is open to paraphrases too
 * (semantic/paraphrase-flights.ts) for as long.
 */
export async function answerMiss(
  deps: GatewayDeps,
  request: CachedRequest,
  outcome: "miss" | "bypass",
  embedding?: Uint8Array,
): Promise<Response> {
  const key = `${request.caller.tenant}:${request.canonical.key}`;
  const start = (): Flight =>
    request.body.stream
      ? { kind: "stream", canonical: request.canonical.bytes, opened: openStream(deps, request) }
      : { kind: "whole", canonical: request.canonical.bytes, answer: callWhole(deps, request) };
  let flight: Flight;
  if (!request.share) {
    flight = start();
    settle(deps, request, flight, () => {});
  } else {
    const joined = deps.flights.join(key, start);
    flight = joined.value;
    if (joined.leader) {
      const paraphrases = deps.semantic?.paraphrases;
      const forget =
        embedding === undefined || paraphrases === undefined
          ? undefined
          : paraphrases.lead(request.caller.tenant, request.context, embedding, flight, request.canonical.key);
      settle(deps, request, flight, () => {
        forget?.();
        deps.flights.done(key, joined.value);
      });
    } else if (Buffer.compare(flight.canonical, request.canonical.bytes) !== 0) {
      flight = start(); // the same 64-bit key for another request: never share its answer
      settle(deps, request, flight, () => {});
    } else {
      deps.metrics.singleFlightJoin();
    }
  }
  return respond(request, outcome, flight, request.canonical.key);
}

/**
 * A paraphrase's answer from the call of another request in flight (see answerMiss): a miss
 * that shared that call, with the entry its answer becomes and the similarity in headers.
 */
export async function answerParaphraseJoin(
  deps: GatewayDeps,
  request: CachedRequest,
  join: ParaphraseJoin,
): Promise<Response> {
  deps.metrics.singleFlightJoin();
  const response = await respond(request, "miss", join.flight, join.entryId);
  response.headers.set(SIMILARITY_HEADER, formatSimilarity(join.similarity));
  return response;
}

/** This client's answer from a flight (led or joined); `entryId`: the entry its answer becomes. */
async function respond(
  request: CachedRequest,
  outcome: "miss" | "bypass",
  flight: Flight,
  entryId: bigint,
): Promise<Response> {
  if (flight.kind === "whole") {
    const answer = await flight.answer;
    if (request.body.stream && answer.status === 200) {
      const parsed = parseJson(answer.body);
      if (isCompleteAnswer(request.endpoint, parsed)) {
        const headers = new Headers({ "content-type": SSE_CONTENT_TYPE });
        setReflexHeaders(headers, outcome, entryId);
        const sse = replaySse(parsed as Record<string, unknown>, { includeUsage: request.body.includeUsage });
        return new Response(sse, { status: 200, headers });
      }
    }
    return wholeResponse(answer, outcome, entryId);
  }
  const opened = await flight.opened;
  if (opened.kind === "whole") return wholeResponse(opened.answer, outcome, entryId);
  if (request.body.stream) {
    const headers = clientResponseHeaders(opened.headers);
    setReflexHeaders(headers, outcome, entryId);
    return new Response(opened.flight.follow(request.signal), { status: 200, headers });
  }
  const end = await opened.flight.whole();
  if (!end.complete) {
    throw new GatewayError("upstream_unreachable", "the upstream stream ended before its answer was complete");
  }
  const headers = new Headers({ "content-type": "application/json" });
  setReflexHeaders(headers, outcome, entryId);
  return new Response(JSON.stringify(end.completion), { status: 200, headers });
}

function wholeResponse(answer: WholeAnswer, outcome: "miss" | "bypass", entryId: bigint): Response {
  const headers = clientResponseHeaders(answer.headers);
  setReflexHeaders(headers, outcome, entryId);
  return new Response(answer.body, { status: answer.status, headers });
}

function upstreamRequest(request: CachedRequest, signal?: AbortSignal) {
  return {
    method: "POST",
    path: UPSTREAM_PATHS[request.endpoint],
    headers: upstreamRequestHeaders(request.headers, request.caller.upstreamAuthorization),
    body: request.text,
    ...(signal === undefined ? {} : { signal }),
  };
}

/** The upstream's JSON answer, read whole (shared: not tied to one client's connection). */
async function callWhole(deps: GatewayDeps, request: CachedRequest): Promise<WholeAnswer> {
  const started = performance.now();
  const answer = await deps.upstream.whole(upstreamRequest(request));
  deps.metrics.upstream(request.endpoint, (performance.now() - started) * 1e6);
  return answer;
}

/** Opens the upstream stream; a non-200 or non-SSE answer is read whole and passed on as it came. */
async function openStream(deps: GatewayDeps, request: CachedRequest): Promise<OpenedStream> {
  const abort = new AbortController();
  const started = performance.now();
  const response = await deps.upstream.open(upstreamRequest(request, abort.signal));
  deps.metrics.upstream(request.endpoint, (performance.now() - started) * 1e6);
  const type = response.headers.get("content-type") ?? "";
  if (response.status !== 200 || !type.startsWith("text/event-stream") || response.body === null) {
    return {
      kind: "whole",
      answer: { status: response.status, headers: response.headers, body: await response.bytes() },
    };
  }
  return { kind: "sse", headers: response.headers, flight: new StreamFlight(response.body, abort) };
}

/**
 * The leader's bookkeeping of a flight: once its answer is complete, store it (after the
 * answer is on its way), count an abandoned stream, then `done` (leave the flight table).
 */
function settle(deps: GatewayDeps, request: CachedRequest, flight: Flight, done: () => void): void {
  const storeWhole = (answer: WholeAnswer) => {
    if (!request.store || answer.status !== 200) return done();
    setImmediate(() => {
      const parsed = parseJson(answer.body);
      if (!isCompleteAnswer(request.endpoint, parsed)) return done();
      storeAnswer(deps, request, "json", answer.body, parsed).finally(done);
    });
  };
  if (flight.kind === "whole") {
    flight.answer.then(storeWhole, done);
    return;
  }
  flight.opened.then((opened) => {
    if (opened.kind === "whole") return storeWhole(opened.answer);
    opened.flight.ended.then((end) => {
      if (!end.complete) {
        deps.metrics.streamAbandoned(end.reason === "client_gone" ? "client_gone" : "cut");
        return done();
      }
      if (!request.store || !isCompleteAnswer(request.endpoint, end.completion)) return done();
      const body = encoder.encode(JSON.stringify(end.completion));
      storeAnswer(deps, request, "sse", body, end.completion).finally(done);
    });
  }, done);
}

async function storeAnswer(
  deps: GatewayDeps,
  request: CachedRequest,
  origin: "json" | "sse",
  body: Uint8Array,
  parsed: unknown,
): Promise<void> {
  const ask = request.semantic;
  const embedding =
    ask === undefined || deps.semantic === undefined
      ? undefined
      : await deps.semantic.tier.embedding(request.caller, ask);
  const stored = await deps.cache.store({
    tenant: request.caller.tenant,
    canonical: request.canonical,
    contextHash: request.context,
    embedding,
    answer: { origin, usage: usageOf(parsed), body },
    ttlSeconds: request.controls.ttlSeconds ?? deps.policy.defaultTtlSeconds,
  });
  if (stored) deps.metrics.stored();
}

function parseJson(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(decoder.decode(bytes));
  } catch {
    return undefined;
  }
}
