import { describe, expect, test } from "bun:test";
import { SseDecoder } from "./sse-decoder.ts";

const bytes = (text: string) => new TextEncoder().encode(text);

describe("SseDecoder", () => {
  test("decodes events split anywhere across pushes", () => {
    const text = 'data: {"a":1}\n\nevent: error\ndata: x\ndata: y\n\n: comment\ndata: [DONE]\n\n';
    const whole = new SseDecoder().push(bytes(text));
    expect(whole).toEqual([
      { event: null, data: '{"a":1}' },
      { event: "error", data: "x\ny" },
      { event: null, data: "[DONE]" },
    ]);
    for (let cut = 1; cut < text.length; cut++) {
      const decoder = new SseDecoder();
      const events = [...decoder.push(bytes(text.slice(0, cut))), ...decoder.push(bytes(text.slice(cut)))];
      expect(events).toEqual(whole);
    }
  });

  test("CRLF and CR line ends, and a multi-byte character split across pushes", () => {
    const decoder = new SseDecoder();
    const all = bytes("data: h\u00e9\r\n\r\ndata: b\r\r");
    const events = [...decoder.push(all.subarray(0, 8)), ...decoder.push(all.subarray(8))];
    // The last CR may be half of a CRLF: the event it ends comes with the next bytes.
    expect(events).toEqual([{ event: null, data: "h\u00e9" }]);
    expect(decoder.push(bytes("data: c\n\n"))).toEqual([
      { event: null, data: "b" },
      { event: null, data: "c" },
    ]);
  });

  test("an incomplete event is not emitted", () => {
    expect(new SseDecoder().push(bytes('data: {"a":1}\n'))).toEqual([]);
  });
});
