import { describe, expect, test } from "bun:test";
import { semanticText } from "./semantic-text.ts";

const messages = [
  { role: "system", content: "be brief" },
  { role: "user", content: "first question" },
  { role: "assistant", content: "first answer" },
  {
    role: "user",
    content: [
      { type: "text", text: "second" },
      { type: "text", text: "question" },
    ],
  },
];

describe("semanticText", () => {
  test("last-user: the last user message's text, text parts joined", () => {
    expect(semanticText(messages, "last-user")).toBe("second\nquestion");
  });

  test("conversation: every message, one role line each", () => {
    expect(semanticText(messages, "conversation")).toBe(
      "system: be brief\nuser: first question\nassistant: first answer\nuser: second\nquestion",
    );
  });

  test("nothing safe to compare: no user message, empty text, an image part, a tool call", () => {
    expect(semanticText([{ role: "system", content: "x" }], "last-user")).toBeUndefined();
    expect(semanticText([{ role: "user", content: "  " }], "last-user")).toBeUndefined();
    const image = [{ role: "user", content: [{ type: "image_url", image_url: { url: "u" } }] }];
    expect(semanticText(image, "last-user")).toBeUndefined();
    const tool = [
      { role: "user", content: "q" },
      { role: "assistant", content: null, tool_calls: [{ id: "a" }] },
    ];
    expect(semanticText(tool, "conversation")).toBeUndefined();
  });
});
