import { createHash, timingSafeEqual } from "node:crypto";
import { readFileSync } from "node:fs";
import { isCodecError, parseU64 } from "@reflex/codec";
import type { Principal } from "./principal.ts";

interface TokenRecord {
  readonly digest: Buffer;
  readonly principal: Principal;
}

/** Shortest token a token file may hold. */
export const MIN_TOKEN_LENGTH = 16;

const TOKEN68 = /^[A-Za-z0-9\-._~+/]+=*$/;

function sha256(text: string): Buffer {
  return createHash("sha256").update(text, "utf8").digest();
}

/** A token file that does not parse or holds a bad grant. */
export class TokenFileError extends Error {
  override readonly name = "ReflexTokenFileError";
}

function fail(where: string, message: string): never {
  throw new TokenFileError(`${where}: ${message}`);
}

/**
 * The bearer tokens the server accepts, each scoped to tenants or admin.
 * Tokens are kept only as SHA-256 digests and compared in constant time.
 *
 * The token file is JSON:
 * ```json
 * { "tokens": [
 *   { "name": "app-1", "token": "long-random-secret-1", "tenants": ["1", "2"] },
 *   { "name": "ops", "token": "long-random-secret-2", "admin": true }
 * ] }
 * ```
 * `token` is at least 16 characters of `[A-Za-z0-9-._~+/]` (RFC 6750 token68);
 * `tenants` are decimal u64 strings; `admin: true` covers every tenant and the admin
 * routes; `name` (optional) appears in request logs instead of the secret. An empty
 * `tokens` list is refused: it would make a server that refuses every request.
 *
 * @example
 * const tokens = TokenSet.fromFile(process.env.REFLEX_TOKENS!);
 * tokens.authenticate("long-random-secret-1")?.tenants.has(1n); // true
 */
export class TokenSet {
  #records: readonly TokenRecord[];

  private constructor(records: readonly TokenRecord[]) {
    this.#records = records;
  }

  /**
   * Replaces the tokens with those of the file at `path` (what the server does on
   * SIGHUP). All or nothing: when the file does not read, parse or validate, throws
   * {@link TokenFileError} and keeps the current tokens. Returns the new count.
   */
  reloadFrom(path: string): number {
    this.#records = TokenSet.fromFile(path).#records;
    return this.#records.length;
  }

  /** How many tokens there are. */
  get size(): number {
    return this.#records.length;
  }

  /** Parses the token file's JSON value (see the class doc); throws {@link TokenFileError}. */
  static fromJson(json: unknown, source = "token file"): TokenSet {
    if (typeof json !== "object" || json === null || Array.isArray(json)) {
      fail(source, 'expected an object {"tokens": [...]}');
    }
    const list = (json as { tokens?: unknown }).tokens;
    if (!Array.isArray(list)) fail(source, '"tokens" must be an array');
    // A server with auth on and no token would answer 401 to every request: refused, not served.
    if (list.length === 0) {
      fail(
        source,
        '"tokens" is empty: every request would be refused (leave REFLEX_TOKENS unset for no auth, loopback only)',
      );
    }
    const seen = new Set<string>();
    const records = list.map((item: unknown, index): TokenRecord => {
      const where = `${source}: tokens[${index}]`;
      if (typeof item !== "object" || item === null || Array.isArray(item)) fail(where, "expected an object");
      const { token, tenants, admin, name, ...rest } = item as Record<string, unknown>;
      const unknownKeys = Object.keys(rest);
      if (unknownKeys.length > 0) fail(where, `unknown field ${JSON.stringify(unknownKeys[0])}`);
      if (typeof token !== "string") fail(where, '"token" must be a string');
      if (token.length < MIN_TOKEN_LENGTH) fail(where, `"token" must be at least ${MIN_TOKEN_LENGTH} characters`);
      if (!TOKEN68.test(token)) fail(where, '"token" may only hold A-Z a-z 0-9 - . _ ~ + / (and trailing =)');
      const digest = sha256(token);
      const key = digest.toString("hex");
      if (seen.has(key)) fail(where, "duplicate token");
      seen.add(key);
      if (admin !== undefined && typeof admin !== "boolean") fail(where, '"admin" must be true or false');
      if (name !== undefined && (typeof name !== "string" || name.length === 0)) {
        fail(where, '"name" must be a non-empty string');
      }
      if (tenants !== undefined && !Array.isArray(tenants))
        fail(where, '"tenants" must be an array of decimal strings');
      const tenantIds = new Set<bigint>();
      for (const tenant of tenants ?? []) {
        if (typeof tenant !== "string") fail(where, `tenant ${JSON.stringify(tenant)} must be a decimal string`);
        try {
          tenantIds.add(parseU64(tenant, "tenant"));
        } catch (error) {
          fail(where, isCodecError(error) ? error.message : String(error));
        }
      }
      if (admin !== true && tenantIds.size === 0) fail(where, 'needs "admin": true or a non-empty "tenants"');
      return {
        digest,
        principal: {
          name: (name as string | undefined) ?? `token#${index}`,
          admin: admin === true,
          tenants: tenantIds,
        },
      };
    });
    return new TokenSet(records);
  }

  /** Reads and parses a token file; throws {@link TokenFileError} with the path in the message. */
  static fromFile(path: string): TokenSet {
    let text: string;
    try {
      text = readFileSync(path, "utf8");
    } catch (error) {
      throw new TokenFileError(`cannot read token file ${path}: ${(error as NodeJS.ErrnoException).code ?? error}`);
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      throw new TokenFileError(`token file ${path} is not valid JSON: ${(error as Error).message}`);
    }
    return TokenSet.fromJson(json, path);
  }

  /**
   * The principal of a presented token, or undefined. Compares SHA-256 digests with
   * `timingSafeEqual` against every configured token, without stopping at a match.
   */
  authenticate(token: string): Principal | undefined {
    const digest = sha256(token);
    let found: Principal | undefined;
    for (const record of this.#records) {
      if (timingSafeEqual(digest, record.digest)) found = record.principal;
    }
    return found;
  }
}
