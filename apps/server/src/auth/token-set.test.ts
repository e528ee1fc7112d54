import { afterEach, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { removeTestDirs, TOKEN_FILE, TOKENS, tempDir, testTokens } from "../../test/helpers.ts";
import { TokenFileError, TokenSet } from "./token-set.ts";

afterEach(removeTestDirs);

describe("TokenSet", () => {
  test("authenticates each configured token to its grant, and nothing else", () => {
    const tokens = testTokens();
    expect(tokens.size).toBe(4);
    const t1 = tokens.authenticate(TOKENS.tenant1);
    expect(t1?.name).toBe("t1");
    expect(t1?.admin).toBe(false);
    expect([...(t1?.tenants ?? [])]).toEqual([1n]);
    expect(tokens.authenticate(TOKENS.admin)?.admin).toBe(true);
    expect(tokens.authenticate(TOKENS.wrong)).toBeUndefined();
    expect(tokens.authenticate(`${TOKENS.tenant1}x`)).toBeUndefined();
    expect(tokens.authenticate(TOKENS.tenant1.slice(0, -1))).toBeUndefined();
    expect(tokens.authenticate("")).toBeUndefined();
  });

  test("a token without a name is named by its position", () => {
    const tokens = TokenSet.fromJson({ tokens: [{ token: "x".repeat(16), admin: true }] });
    expect(tokens.authenticate("x".repeat(16))?.name).toBe("token#0");
  });

  test("refuses bad token files with a message that says what is wrong", () => {
    const cases: [unknown, string][] = [
      [[], "expected an object"],
      [{}, '"tokens" must be an array'],
      [{ tokens: [1] }, "tokens[0]: expected an object"],
      [{ tokens: [{ token: "short", admin: true }] }, "at least 16"],
      [{ tokens: [{ token: "has spaces in the token", admin: true }] }, "may only hold"],
      [{ tokens: [{ token: "x".repeat(16) }] }, 'needs "admin": true or a non-empty "tenants"'],
      [{ tokens: [{ token: "x".repeat(16), tenants: [] }] }, "needs"],
      [{ tokens: [{ token: "x".repeat(16), tenants: [1] }] }, "must be a decimal string"],
      [{ tokens: [{ token: "x".repeat(16), tenants: ["01"] }] }, "leading zeros"],
      [{ tokens: [{ token: "x".repeat(16), tenants: ["18446744073709551616"] }] }, "2^64-1"],
      [{ tokens: [{ token: "x".repeat(16), admin: "yes" }] }, '"admin" must be true or false'],
      [{ tokens: [{ token: "x".repeat(16), admin: true, scope: "all" }] }, 'unknown field "scope"'],
      [
        {
          tokens: [
            { token: "x".repeat(16), admin: true },
            { token: "x".repeat(16), tenants: ["1"] },
          ],
        },
        "tokens[1]: duplicate token",
      ],
    ];
    for (const [json, message] of cases) {
      expect(() => TokenSet.fromJson(json)).toThrow(message);
    }
  });

  test("fromFile reads the documented format and names the file in errors", () => {
    const dir = tempDir();
    const good = join(dir, "tokens.json");
    writeFileSync(good, JSON.stringify(TOKEN_FILE));
    expect(TokenSet.fromFile(good).authenticate(TOKENS.tenant2)?.name).toBe("t2");
    const bad = join(dir, "bad.json");
    writeFileSync(bad, "{ not json");
    expect(() => TokenSet.fromFile(bad)).toThrow(TokenFileError);
    expect(() => TokenSet.fromFile(bad)).toThrow(`token file ${bad} is not valid JSON`);
    expect(() => TokenSet.fromFile(join(dir, "missing.json"))).toThrow("ENOENT");
  });
});

describe("an empty token list and reloading", () => {
  test('{"tokens":[]} is refused: it would make a server that refuses everything', () => {
    expect(() => TokenSet.fromJson({ tokens: [] })).toThrow(/empty: every request would be refused/);
  });

  test("reloadFrom swaps in a valid file and keeps the old tokens when the new file is bad", () => {
    const dir = tempDir();
    {
      const path = join(dir, "tokens.json");
      const write = (json: unknown) => writeFileSync(path, typeof json === "string" ? json : JSON.stringify(json));
      write({ tokens: [{ token: "first-token-0123456789", admin: true }] });
      const tokens = TokenSet.fromFile(path);
      write({
        tokens: [
          { token: "second-token-0123456789", tenants: ["1"] },
          { token: "third-token-0123456789", admin: true },
        ],
      });
      expect(tokens.reloadFrom(path)).toBe(2);
      expect(tokens.authenticate("first-token-0123456789")).toBeUndefined();
      expect(tokens.authenticate("second-token-0123456789")?.tenants.has(1n)).toBe(true);
      for (const bad of ["{not json", { tokens: [] }, { tokens: [{ token: "short" }] }]) {
        write(bad);
        expect(() => tokens.reloadFrom(path)).toThrow(TokenFileError);
        expect(tokens.size).toBe(2);
        expect(tokens.authenticate("third-token-0123456789")?.admin).toBe(true);
      }
    }
  });
});
