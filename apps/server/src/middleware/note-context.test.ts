import { afterEach, describe, expect, test } from "bun:test";
import { removeTestDirs, testApp } from "../../test/helpers.ts";
import type { RequestNote } from "../observe/request-note.ts";

afterEach(removeTestDirs);

describe("noteContext", () => {
  test("leaves the Hono context on the note Bun.serve passes; without one (app.request) it does nothing", async () => {
    const { app } = testApp();
    const note: RequestNote = {
      start: 0,
      id: "x",
      route: "",
      principal: undefined,
      tenant: undefined,
      context: undefined,
    };
    await app.fetch(new Request("http://127.0.0.1/healthz"), { note });
    expect(note.context?.req.path).toBe("/healthz");
    expect((await app.request("/healthz")).status).toBe(200);
  });
});
