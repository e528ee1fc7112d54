import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { isTtlText, TTL_GRAMMAR } from "@reflex/codec";
import { DEFAULT_ROOT } from "@reflex/core";
import {
  ConfigError,
  LOG_FORMATS,
  type LogFormat,
  parseByteSize,
  TLS_OPTIONS,
  type TlsConfig,
  tlsConfig,
} from "@reflex/server";
import {
  DEFAULT_SEMANTIC_CONFIG,
  SEMANTIC_OPTIONS,
  type SemanticConfig,
  semanticConfig,
} from "./semantic/semantic-config.ts";

/** Everything `startGateway` needs. */
export interface GatewayConfig {
  /** The provider's API base. */
  readonly upstream: string;
  /** Most ms to the upstream's response headers (and, for a JSON answer, its last byte). */
  readonly upstreamTimeoutMs: number;
  /** Address to bind: anything but loopback needs a token file (or {@link allowNetworkPassThrough}), and TLS or {@link allowPlainHttp}. */
  readonly host: string;
  /** TCP port; 0 picks a free one. */
  readonly port: number;
  /** Store root (created when missing); the gateway holds its writer lock. Unused with {@link redisCluster}. */
  readonly root: string;
  /** Seed nodes of a Redis Cluster (`host:port,...`): the cache lives there, shared by every gateway on it. */
  readonly redisCluster?: string | undefined;
  /** Certificate and key files: the gateway speaks https. Absent: plain http. */
  readonly tls?: TlsConfig | undefined;
  /** Plain http on a non-loopback host is allowed (a proxy in front terminates TLS). */
  readonly allowPlainHttp?: boolean;
  /** A non-loopback host without a token file is allowed: the clients' own provider keys are the credential. */
  readonly allowNetworkPassThrough?: boolean;
  /**
   * HMAC key of pass-through tenant ids. Undefined: a random key for this process (the cache
   * then lasts as long as the process; give one to keep it across restarts or share it).
   */
  readonly secret: Uint8Array | undefined;
  /** Token file (the server's format, one tenant per token): token-file mode. */
  readonly tokensFile: string | undefined;
  /** The key sent upstream in token-file mode. */
  readonly upstreamKey: string | undefined;
  /** Serve requests without a credential, as the anonymous tenant. */
  readonly allowAnonymous: boolean;
  /** Cache requests with temperature > 0 (or absent). */
  readonly cacheSampled: boolean;
  /** TTL of stored answers, seconds (0: never); undefined: never. */
  readonly defaultTtlSeconds: number | undefined;
  /** Largest request body, bytes. */
  readonly maxBodyBytes: number;
  /** Write one line per request. */
  readonly requestLog: boolean;
  /** Log format; undefined: JSON unless stdout is a terminal. */
  readonly logFormat: LogFormat | undefined;
  /** The semantic tiers (off unless `embeddingModel` is set). */
  readonly semantic: SemanticConfig;
  /** How long a shutdown waits for requests in flight. */
  readonly shutdownTimeoutMs: number;
  /** `--help` was given. */
  readonly help: boolean;
}

/** The defaults: a fresh clone runs with no flags and no env (clients then send their own OpenAI key). */
export const DEFAULT_GATEWAY_CONFIG: GatewayConfig = {
  upstream: "https://api.openai.com/v1",
  upstreamTimeoutMs: 600_000,
  host: "127.0.0.1",
  port: 8080,
  root: DEFAULT_ROOT,
  secret: undefined,
  tokensFile: undefined,
  upstreamKey: undefined,
  allowAnonymous: false,
  cacheSampled: true,
  defaultTtlSeconds: undefined,
  maxBodyBytes: 16 * 1024 * 1024,
  requestLog: true,
  logFormat: undefined,
  semantic: DEFAULT_SEMANTIC_CONFIG,
  shutdownTimeoutMs: 30_000,
  help: false,
};

const OPTIONS = {
  upstream: { type: "string" },
  "upstream-timeout": { type: "string" },
  host: { type: "string" },
  port: { type: "string" },
  root: { type: "string" },
  "redis-cluster": { type: "string" },
  ...TLS_OPTIONS,
  "allow-network-pass-through": { type: "boolean" },
  secret: { type: "string" },
  "secret-file": { type: "string" },
  tokens: { type: "string" },
  "upstream-key-file": { type: "string" },
  "allow-anonymous": { type: "boolean" },
  "no-cache-sampled": { type: "boolean" },
  "default-ttl": { type: "string" },
  "max-body": { type: "string" },
  "log-format": { type: "string" },
  quiet: { type: "boolean" },
  "shutdown-timeout": { type: "string" },
  ...SEMANTIC_OPTIONS,
  help: { type: "boolean", short: "h" },
} as const;

/** Largest `--max-body`: 1 GiB. */
const MAX_BODY_LIMIT = 1024 * 1024 * 1024;

/**
 * The gateway's config from flags, else environment, else {@link DEFAULT_GATEWAY_CONFIG}.
 * Throws `ConfigError` for an unknown flag or a value that does not parse; reads the secret
 * and upstream key files.
 *
 * @example const config = loadGatewayConfig(Bun.argv.slice(2), process.env);
 */
export function loadGatewayConfig(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): GatewayConfig {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({ args: [...argv], options: OPTIONS, strict: true, allowPositionals: false }));
  } catch (error) {
    throw new ConfigError((error as Error).message);
  }
  const text = (flag: keyof typeof OPTIONS, envName?: string): string | undefined => {
    const value = values[flag];
    if (typeof value === "string") return value;
    return envName === undefined ? undefined : nonEmpty(env[envName]);
  };
  const d = DEFAULT_GATEWAY_CONFIG;
  const upstream = text("upstream", "REFLEX_UPSTREAM") ?? d.upstream;
  if (!/^https?:\/\/[^/]/.test(upstream))
    throw new ConfigError(`--upstream must be an http(s) URL, got ${JSON.stringify(upstream)}`);
  const ttl = text("default-ttl", "REFLEX_DEFAULT_TTL");
  if (ttl !== undefined && !isTtlText(ttl)) throw new ConfigError(`--default-ttl must be ${TTL_GRAMMAR}`);
  const logFormat = text("log-format");
  if (logFormat !== undefined && !(LOG_FORMATS as readonly string[]).includes(logFormat)) {
    throw new ConfigError(`--log-format must be one of ${LOG_FORMATS.join(", ")}`);
  }
  const secretFile = text("secret-file", "REFLEX_GATEWAY_SECRET_FILE");
  const secretText =
    text("secret", "REFLEX_GATEWAY_SECRET") ??
    (secretFile === undefined ? undefined : readSecret(secretFile, "--secret-file"));
  if (secretText !== undefined && secretText.length < 16)
    throw new ConfigError("the gateway secret must be at least 16 characters");
  const keyFile = text("upstream-key-file");
  const upstreamKey =
    keyFile === undefined ? nonEmpty(env.REFLEX_UPSTREAM_KEY) : readSecret(keyFile, "--upstream-key-file");
  const maxBody = text("max-body", "REFLEX_MAX_BODY");
  const redisCluster = text("redis-cluster", "REFLEX_REDIS_CLUSTER");
  if (redisCluster !== undefined && typeof values.root === "string") {
    throw new ConfigError("--root and --redis-cluster choose where the cache lives: give one of them");
  }
  return {
    upstream,
    upstreamTimeoutMs:
      count(text("upstream-timeout", "REFLEX_UPSTREAM_TIMEOUT_MS"), "--upstream-timeout", 1) ?? d.upstreamTimeoutMs,
    host: text("host", "REFLEX_HOST") ?? d.host,
    port: port(text("port", "REFLEX_PORT")) ?? d.port,
    root: text("root", "REFLEX_ROOT") ?? d.root,
    redisCluster,
    ...tlsConfig((name) => text(name as keyof typeof OPTIONS), values["allow-plain-http"] === true, env),
    ...(values["allow-network-pass-through"] === true ? { allowNetworkPassThrough: true } : {}),
    secret: secretText === undefined ? undefined : new TextEncoder().encode(secretText),
    tokensFile: text("tokens", "REFLEX_GATEWAY_TOKENS"),
    upstreamKey,
    allowAnonymous: values["allow-anonymous"] === true,
    cacheSampled: values["no-cache-sampled"] !== true,
    defaultTtlSeconds: ttl === undefined ? undefined : Number(ttl),
    maxBodyBytes: maxBody === undefined ? d.maxBodyBytes : parseByteSize(maxBody, "--max-body", MAX_BODY_LIMIT),
    requestLog: values.quiet !== true,
    logFormat: logFormat as LogFormat | undefined,
    semantic: semanticConfig(text, env),
    shutdownTimeoutMs: count(text("shutdown-timeout"), "--shutdown-timeout", 0) ?? d.shutdownTimeoutMs,
    help: values.help === true,
  };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.length === 0 ? undefined : value;
}

/** The first line of a secret file, trimmed. */
function readSecret(path: string, what: string): string {
  let content: string;
  try {
    content = readFileSync(path, "utf8");
  } catch (error) {
    throw new ConfigError(`${what}: cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? error}`);
  }
  const line = content.split("\n")[0]?.trim() ?? "";
  if (line.length === 0) throw new ConfigError(`${what}: ${path} is empty`);
  return line;
}

function port(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{1,5}$/.test(value) || Number(value) > 65535)
    throw new ConfigError(`--port must be in [0, 65535], got ${JSON.stringify(value)}`);
  return Number(value);
}

function count(value: string | undefined, what: string, min: number): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{1,12}$/.test(value) || Number(value) < min)
    throw new ConfigError(`${what} must be an integer >= ${min}, got ${JSON.stringify(value)}`);
  return Number(value);
}
