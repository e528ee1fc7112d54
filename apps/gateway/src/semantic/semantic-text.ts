import type { SemanticTextMode } from "./semantic-config.ts";

/**
 * The semantic text of a chat request's `messages`: what is embedded and compared.
 * `last-user`: the last user message's text. `conversation`: every message, one
 * `role: text` line each. Undefined when there is nothing to compare safely: no user
 * message, an empty text, or a message whose content holds anything but text parts (an
 * image or audio the text would not describe: a semantic hit could answer another image).
 *
 * @example semanticText([{ role: "user", content: "hi" }], "last-user") // "hi"
 */
export function semanticText(messages: readonly unknown[], mode: SemanticTextMode): string | undefined {
  if (mode === "last-user") {
    for (let i = messages.length - 1; i >= 0; i--) {
      const message = messages[i];
      if (roleOf(message) !== "user") continue;
      const text = textOf(message);
      return text === undefined || text.trim().length === 0 ? undefined : text;
    }
    return undefined;
  }
  const lines: string[] = [];
  let sawUser = false;
  for (const message of messages) {
    const role = roleOf(message);
    const text = textOf(message);
    if (text === undefined) return undefined;
    if (role === "user") sawUser = true;
    lines.push(`${role}: ${text}`);
  }
  return sawUser ? lines.join("\n") : undefined;
}

function roleOf(message: unknown): string {
  if (typeof message !== "object" || message === null) return "";
  const role = (message as { role?: unknown }).role;
  return typeof role === "string" ? role : "";
}

/** A message's text: a string content, or its text parts joined; undefined for any other part. */
function textOf(message: unknown): string | undefined {
  if (typeof message !== "object" || message === null) return undefined;
  const { content, tool_calls: toolCalls } = message as { content?: unknown; tool_calls?: unknown };
  if (toolCalls !== undefined && toolCalls !== null) return undefined;
  if (content === null || content === undefined) return "";
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return undefined;
  const texts: string[] = [];
  for (const part of content) {
    if (typeof part !== "object" || part === null) return undefined;
    const { type, text } = part as { type?: unknown; text?: unknown };
    if (type !== "text" || typeof text !== "string") return undefined;
    texts.push(text);
  }
  return texts.join("\n");
}
