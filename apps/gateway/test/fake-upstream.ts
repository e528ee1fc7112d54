// A fake OpenAI-compatible provider for the gateway's tests: a real Bun.serve process on
// 127.0.0.1, port 0, that prints `fake upstream listening on <url>` as its first stdout line.
// Everything it answers is derived from the request, so a test knows what to expect:
//
// - POST /v1/chat/completions: the answer's content is `answer <n> to <last user text>`
//   where n = 1 + the number of earlier chat calls with the same body (so two upstream calls
//   for one request give different answers: a served-from-cache answer is recognisable).
//   With `tools`, the answer is a call of the first tool (finish_reason `tool_calls`).
//   Usage: prompt_tokens = characters of the messages' JSON / 4, completion = words of the answer.
//   Streams (`stream: true`): SSE chunks of two words each, `data: [DONE]` last; the usage
//   chunk only with `stream_options.include_usage`.
// - Controls, inside the last user message text:
//     `[status:NNN]`  answer that HTTP status with an OpenAI error body
//     `[slow:MS]`     wait MS before the response headers
//     `[delay:MS]`    wait MS between SSE chunks
//     `[cut:N]`       a stream: send N chunks, then break the connection (no [DONE])
//     `[nofinish]`    a JSON answer whose choice has `finish_reason: null`
//     `[hold:NAME]`   a JSON answer waits, a stream waits after its first chunk, until
//                     `POST /__release/NAME` (so a test knows a byte got through before the end)
// - POST /v1/embeddings: one 32-number unit vector per input, from test/paraphrases.ts: texts
//   of a paraphrase group close together, every other text far from everything (a
//   `[hold:NAME]` marker is left out of the text embedded).
//   The same route under `/slow/v1/embeddings` answers after 3 s, under `/down/v1/embeddings`
//   with a 503 (an embeddings outage, for `--embedding-url`).
// - POST /v1/rerank: `{query, documents}` -> `{results:[{index, relevance_score}]}` scored by
//   test/paraphrases.ts (`fakeRerankScore`); `/v1/rerank-slow` answers after 3 s,
//   `/v1/rerank-broken` with a 200 that is no rerank answer.
// - GET /v1/models: a fixed list.
// - GET /__calls: `{"chat":N,"embeddings":N,"rerank":N,"other":N,"lastAuthorization":...,
//   "lastEmbeddingAuthorization":...}`; POST /__reset sets the counts to zero.
//
// `bun test/fake-upstream.ts` starts it; test/fake-upstream-process.ts starts it for a test.

import { fakeEmbedding, fakeRerankScore } from "./paraphrases.ts";

const counts = { chat: 0, embeddings: 0, rerank: 0, other: 0 };
let lastEmbeddingAuthorization: string | null = null;
const answersByBody = new Map<string, number>();
let lastAuthorization: string | null = null;
const gates = new Map<string, { promise: Promise<void>; open: () => void }>();

/** The gate NAME (made on first use): `POST /__release/NAME` opens it. */
function gate(name: string): { promise: Promise<void>; open: () => void } {
  let found = gates.get(name);
  if (found === undefined) {
    let open!: () => void;
    const promise = new Promise<void>((resolve) => {
      open = resolve;
    });
    found = { promise, open };
    gates.set(name, found);
  }
  return found;
}

interface ChatMessage {
  readonly role: string;
  readonly content?: unknown;
}

function lastUserText(messages: readonly ChatMessage[]): string {
  for (let i = messages.length - 1; i >= 0; i--) {
    const message = messages[i];
    if (message?.role === "user")
      return typeof message.content === "string" ? message.content : JSON.stringify(message.content);
  }
  return "";
}

function control(text: string, name: string): number | undefined {
  const match = new RegExp(`\\[${name}:(\\d+)\\]`).exec(text);
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

function errorAnswer(status: number): Response {
  const type = status === 429 ? "rate_limit_error" : status >= 500 ? "server_error" : "invalid_request_error";
  return Response.json(
    { error: { message: `fake upstream error ${status}`, type, code: `fake_${status}`, param: null } },
    { status },
  );
}

function words(text: string): string[] {
  return text.split(" ").filter((word) => word.length > 0);
}

async function chat(request: Request): Promise<Response> {
  counts.chat++;
  const text = await request.text();
  const body = JSON.parse(text) as {
    model: string;
    messages: ChatMessage[];
    stream?: boolean;
    stream_options?: { include_usage?: boolean };
    tools?: { function: { name: string } }[];
  };
  const userText = lastUserText(body.messages);
  const status = control(userText, "status");
  const slow = control(userText, "slow");
  if (slow !== undefined) await Bun.sleep(slow);
  if (status !== undefined) return errorAnswer(status);
  const hold = /\[hold:(\w+)\]/.exec(userText)?.[1];

  const { stream: _stream, stream_options: _options, ...keyed } = body;
  const bodyKey = JSON.stringify(keyed);
  const n = (answersByBody.get(bodyKey) ?? 0) + 1;
  answersByBody.set(bodyKey, n);

  const id = `chatcmpl-fake-${counts.chat}`;
  const created = 1_700_000_000 + counts.chat;
  const tool = body.tools?.[0]?.function.name;
  const content = tool === undefined ? `answer ${n} to ${userText}` : null;
  const toolCall =
    tool === undefined
      ? undefined
      : { id: `call_${n}`, type: "function" as const, function: { name: tool, arguments: `{"n":${n},"q":"x"}` } };
  const usage = {
    prompt_tokens: Math.ceil(JSON.stringify(body.messages).length / 4),
    completion_tokens: content === null ? 7 : words(content).length,
    total_tokens: 0,
  };
  usage.total_tokens = usage.prompt_tokens + usage.completion_tokens;
  const finishReason = tool === undefined ? "stop" : "tool_calls";

  if (body.stream !== true) {
    if (hold !== undefined) await gate(hold).promise;
    return Response.json({
      id,
      object: "chat.completion",
      created,
      model: body.model,
      system_fingerprint: "fp_fake",
      choices: [
        {
          index: 0,
          message: {
            role: "assistant",
            content,
            refusal: null,
            ...(toolCall === undefined ? {} : { tool_calls: [toolCall] }),
          },
          logprobs: null,
          finish_reason: userText.includes("[nofinish]") ? null : finishReason,
        },
      ],
      usage,
    });
  }

  const includeUsage = body.stream_options?.include_usage === true;
  const chunk = (delta: Record<string, unknown>, finish: string | null) => ({
    id,
    object: "chat.completion.chunk",
    created,
    model: body.model,
    system_fingerprint: "fp_fake",
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    ...(includeUsage ? { usage: null } : {}),
  });
  const events: unknown[] = [chunk({ role: "assistant", content: toolCall === undefined ? "" : null }, null)];
  if (content !== null) {
    const parts = words(content);
    for (let i = 0; i < parts.length; i += 2) {
      events.push(chunk({ content: `${i === 0 ? "" : " "}${parts.slice(i, i + 2).join(" ")}` }, null));
    }
  } else if (toolCall !== undefined) {
    events.push(
      chunk(
        {
          tool_calls: [
            { index: 0, id: toolCall.id, type: "function", function: { name: toolCall.function.name, arguments: "" } },
          ],
        },
        null,
      ),
    );
    const args = toolCall.function.arguments;
    const half = Math.floor(args.length / 2);
    for (const piece of [args.slice(0, half), args.slice(half)]) {
      events.push(chunk({ tool_calls: [{ index: 0, function: { arguments: piece } }] }, null));
    }
  }
  events.push(chunk({}, finishReason));
  if (includeUsage) {
    events.push({
      id,
      object: "chat.completion.chunk",
      created,
      model: body.model,
      system_fingerprint: "fp_fake",
      choices: [],
      usage,
    });
  }
  const delay = control(userText, "delay") ?? 0;
  const cut = control(userText, "cut");
  const encoder = new TextEncoder();
  const stream = new ReadableStream<Uint8Array>({
    async start(controller) {
      for (const [i, event] of events.entries()) {
        if (cut !== undefined && i === cut) {
          // Past the response headers first, so the gateway has the stream open when it breaks.
          await Bun.sleep(50);
          controller.error(new Error("fake upstream cut the stream (on purpose)"));
          return;
        }
        controller.enqueue(encoder.encode(`data: ${JSON.stringify(event)}\n\n`));
        if (i === 0 && hold !== undefined) await gate(hold).promise;
        if (delay > 0) await Bun.sleep(delay);
      }
      controller.enqueue(encoder.encode("data: [DONE]\n\n"));
      controller.close();
    },
  });
  return new Response(stream, { headers: { "content-type": "text/event-stream", "cache-control": "no-cache" } });
}

async function embeddings(request: Request): Promise<Response> {
  counts.embeddings++;
  lastEmbeddingAuthorization = request.headers.get("authorization");
  const body = (await request.json()) as { model: string; input: string | string[] };
  const inputs = Array.isArray(body.input) ? body.input : [body.input];
  if (inputs.some((input) => input.includes("[status:500]"))) return errorAnswer(500);
  // A `[hold:NAME]` marker is not part of the text's meaning: paraphrases can be held too.
  const vector = (input: string) => fakeEmbedding(input.replace(/\[hold:\w+\]\s*/g, ""));
  return Response.json({
    object: "list",
    data: inputs.map((input, index) => ({ object: "embedding", index, embedding: vector(input) })),
    model: body.model,
    usage: { prompt_tokens: inputs.join(" ").length, total_tokens: inputs.join(" ").length },
  });
}

async function rerank(request: Request, pathname: string): Promise<Response> {
  counts.rerank++;
  const body = (await request.json()) as { query: string; documents: string[] };
  if (pathname === "/v1/rerank-slow") await Bun.sleep(3_000);
  if (pathname === "/v1/rerank-broken") return Response.json({ verdict: "yes" });
  return Response.json({
    results: body.documents
      .map((document, index) => ({ index, relevance_score: fakeRerankScore(body.query, document) }))
      .sort((a, b) => b.relevance_score - a.relevance_score),
  });
}

const server = Bun.serve({
  hostname: "127.0.0.1",
  port: Number(process.env.FAKE_UPSTREAM_PORT ?? 0),
  idleTimeout: 60,
  async fetch(request) {
    const { pathname } = new URL(request.url);
    if (pathname === "/__calls") return Response.json({ ...counts, lastAuthorization, lastEmbeddingAuthorization });
    if (pathname === "/__reset" && request.method === "POST") {
      counts.chat = 0;
      counts.embeddings = 0;
      counts.other = 0;
      counts.rerank = 0;
      return Response.json({ ok: true });
    }
    if (pathname.startsWith("/__release/") && request.method === "POST") {
      gate(pathname.slice("/__release/".length)).open();
      return Response.json({ ok: true });
    }
    if (pathname === "/slow/v1/embeddings") {
      await Bun.sleep(3_000);
      return embeddings(request);
    }
    if (pathname === "/down/v1/embeddings") return errorAnswer(503);
    if (pathname.startsWith("/v1/rerank")) return rerank(request, pathname);
    lastAuthorization = request.headers.get("authorization");
    if (pathname === "/v1/chat/completions" && request.method === "POST") return chat(request);
    if (pathname === "/v1/embeddings" && request.method === "POST") return embeddings(request);
    counts.other++;
    if (pathname === "/v1/models") {
      return Response.json({
        object: "list",
        data: [{ id: "fake-model", object: "model", created: 1_700_000_000, owned_by: "fake" }],
      });
    }
    return Response.json(
      { error: { message: "no such route", type: "invalid_request_error", code: null } },
      { status: 404 },
    );
  },
});

process.stdout.write(`fake upstream listening on ${server.url.origin}\n`);
process.on("SIGTERM", () => {
  server.stop(true);
  process.exit(0);
});
