import { expect } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { NvmeStorage, type NvmeStorageOptions, type OperationRecorder } from "@reflex/core";
import { type AppOptions, createApp, type ReflexApp } from "../src/app.ts";
import { TokenSet } from "../src/auth/token-set.ts";

/** Tokens of the auth tests: one per tenant 1 and 2, one covering both, one admin. */
export const TOKENS = {
  tenant1: "tenant-one-token-0123456789",
  tenant2: "tenant-two-token-0123456789",
  both: "tenants-one-and-two-0123456789",
  admin: "admin-token-0123456789abcdef",
  wrong: "not-a-configured-token-0123456789",
} as const;

/** The token file contents matching {@link TOKENS}. */
export const TOKEN_FILE = {
  tokens: [
    { name: "t1", token: TOKENS.tenant1, tenants: ["1"] },
    { name: "t2", token: TOKENS.tenant2, tenants: ["2"] },
    { name: "both", token: TOKENS.both, tenants: ["1", "2"] },
    { name: "ops", token: TOKENS.admin, admin: true },
  ],
};

/** The {@link TokenSet} of {@link TOKEN_FILE}. */
export function testTokens(): TokenSet {
  return TokenSet.fromJson(TOKEN_FILE);
}

const dirs: string[] = [];

/**
 * Removes the directories {@link tempDir} made. Every test file that makes them calls
 * `afterEach(removeTestDirs)`: Bun evaluates this module once per run, so a hook declared
 * here would apply to the first file that imports it only (the others' directories stayed).
 */
export function removeTestDirs(): void {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** A fresh temp directory, removed after the test. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "reflex-server-"));
  dirs.push(dir);
  return dir;
}

/** A store on a fresh temp root (atomic writes: tests need no fsync), removed after the test. */
export function tempStore(options: NvmeStorageOptions = {}): NvmeStorage {
  return new NvmeStorage(join(tempDir(), "root"), { durability: "atomic", ...options });
}

/** An app over a fresh store. Auth is off unless `options.tokens` is given. */
export function testApp(options: AppOptions & { recorder?: OperationRecorder } = {}): {
  app: ReflexApp;
  store: NvmeStorage;
} {
  const { recorder, ...appOptions } = options;
  const store = tempStore(recorder === undefined ? {} : { recorder });
  return { app: createApp(store, appOptions), store };
}

/** Options of {@link call}. */
export interface CallOptions {
  readonly token?: string;
  readonly headers?: Record<string, string>;
  readonly body?: Bun.BodyInit;
  /** A JSON body (sets Content-Type). */
  readonly json?: unknown;
}

/** `app.request` with a bearer token and a JSON body made easy. */
export function call(app: ReflexApp, method: string, path: string, options: CallOptions = {}): Promise<Response> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token !== undefined) headers.Authorization = `Bearer ${options.token}`;
  let body = options.body;
  if (options.json !== undefined) {
    headers["Content-Type"] ??= "application/json";
    body = JSON.stringify(options.json);
  }
  return Promise.resolve(app.request(path, { method, headers, ...(body === undefined ? {} : { body }) }));
}

/** A JSON entry body (protobuf JSON mapping) for tenant `tenant`. */
export function entryJson(
  tenant: string,
  payload = "hello",
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    tenantId: tenant,
    contextHash: "7",
    timestamp: "1700000000",
    embedding: Buffer.from([1, 2, 3, 4]).toString("base64"),
    payloadBlob: Buffer.from(payload).toString("base64"),
    ...extra,
  };
}

/** The `{"error":{...}}` body of an error response, checking its shape. */
export async function errorOf(response: Response): Promise<{ code: string; message: string }> {
  expect(response.headers.get("content-type")).toContain("application/json");
  const text = await response.text();
  expect(text).not.toMatch(/\bat .*\.ts:\d+/); // never a stack trace
  const body = JSON.parse(text) as { error: { code: string; message: string } };
  expect(Object.keys(body)).toEqual(["error"]);
  expect(typeof body.error.code).toBe("string");
  expect(typeof body.error.message).toBe("string");
  expect(body.error.message.length).toBeGreaterThan(0);
  return body.error;
}

export { promtoolCheck } from "@reflex/testkit";
