/**
 * Reads a child's stdout up to its first line and returns what follows `prefix` on it (a
 * server's "listening on <url>" banner). Kills the child with SIGKILL when no line came
 * within `timeoutMs`; throws (with `describe()`'s text, e.g. its stderr) when the first line
 * is not the banner or stdout ended first.
 *
 * @example const url = await readyLine(child, "reflex listening on ", 30_000);
 */
export async function readyLine(
  child: { readonly stdout: ReadableStream<Uint8Array>; kill(signal?: NodeJS.Signals | number): void },
  prefix: string,
  timeoutMs: number,
  describe: () => string = () => "",
): Promise<string> {
  const reader = child.stdout.getReader();
  const decoder = new TextDecoder();
  let text = "";
  const deadline = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  try {
    while (!text.includes("\n")) {
      const { done, value } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
  } finally {
    clearTimeout(deadline);
    reader.releaseLock();
  }
  const line = text.includes("\n") ? text.slice(0, text.indexOf("\n")) : text;
  if (!line.startsWith(prefix)) {
    child.kill("SIGKILL");
    const detail = describe();
    throw new Error(`the process did not start: ${JSON.stringify(line)}${detail === "" ? "" : `\n${detail}`}`);
  }
  return line.slice(prefix.length);
}
