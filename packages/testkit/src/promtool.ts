/**
 * `promtool check metrics` on `text`: its exit code and output ("" when it has nothing to say).
 * Debian's prometheus package provides promtool; .ci/run installs it, so a test never skips:
 * without it this throws and the test fails.
 */
export async function promtoolCheck(text: string): Promise<{ code: number; output: string }> {
  if (Bun.which("promtool") === null) throw new Error("promtool is not on the PATH: apt-get install prometheus");
  const proc = Bun.spawn(["promtool", "check", "metrics"], { stdin: "pipe", stdout: "pipe", stderr: "pipe" });
  proc.stdin.write(text);
  await proc.stdin.end();
  const output = (await new Response(proc.stdout).text()) + (await new Response(proc.stderr).text());
  return { code: await proc.exited, output };
}
