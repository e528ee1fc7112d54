// Starts the real `reflex gateway` process for the CLI's gateway tests and sends it chat requests.
import { type LineChild, spawnScript } from "@reflex/testkit";
import { MAIN } from "./helpers.ts";

const BANNER = "reflex gateway listening on ";

/** A running `reflex gateway` child and the URL it announced. */
export interface GatewayChild {
  readonly child: LineChild;
  readonly url: string;
  /** SIGTERM; resolves with the exit code. */
  stop(): Promise<number>;
}

/** Starts `reflex gateway ...args` with `env` as its whole environment; resolves once it announces its URL. */
export async function startGatewayChild(
  args: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): Promise<GatewayChild> {
  const child = spawnScript(MAIN, ["gateway", "--quiet", ...args], { env });
  let line: string;
  try {
    line = await child.waitFor((text) => text.startsWith(BANNER));
  } catch (error) {
    child.process.kill("SIGKILL");
    throw new Error(`reflex gateway did not start: ${await child.stderr()}`, { cause: error });
  }
  return {
    child,
    url: line.slice(BANNER.length).trim(),
    async stop() {
      if (child.process.exitCode === null && child.process.signalCode === null) child.process.kill("SIGTERM");
      return child.process.exited;
    },
  };
}

/** One chat completion through a gateway: the status, `X-Reflex-Cache` and the answer's content. */
export async function chat(
  url: string,
  content: string,
  init: { readonly key?: string; readonly tls?: { ca: string } } = {},
): Promise<{ status: number; cache: string | null; content: string | undefined }> {
  const response = await fetch(`${url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${init.key ?? "sk-cli-test"}`, "content-type": "application/json" },
    body: JSON.stringify({ model: "fake-model", temperature: 0, messages: [{ role: "user", content }] }),
    ...(init.tls === undefined ? {} : { tls: init.tls }),
  });
  const body = (await response.json()) as { choices?: { message: { content: string } }[] };
  return {
    status: response.status,
    cache: response.headers.get("x-reflex-cache"),
    content: body.choices?.[0]?.message.content,
  };
}

/**
 * Waits until the gateway at `url` counts `count` stored answers on `/metrics` (the store write
 * happens after the answer is on its way); bounded, throws after `attempts` polls.
 */
export async function waitStored(
  url: string,
  count: number,
  init: { readonly tls?: { ca: string } } = {},
  attempts = 500,
): Promise<void> {
  for (let i = 0; i < attempts; i++) {
    const text = await (await fetch(`${url}/metrics`, init.tls === undefined ? {} : { tls: init.tls })).text();
    const stored = Number(/^reflex_gateway_stored_answers_total (\d+)$/m.exec(text)?.[1] ?? "0");
    if (stored >= count) return;
    await Bun.sleep(10);
  }
  throw new Error(`the gateway at ${url} did not store ${count} answer(s)`);
}
