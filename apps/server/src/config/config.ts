import { type ParseArgsOptionsConfig, parseArgs } from "node:util";
import { DEFAULT_ROOT, type RetentionOptions } from "@reflex/core";
import { DEFAULT_MAX_BODY_BYTES } from "../middleware/body-limit.ts";
import { LOG_FORMATS, type LogFormat } from "../observe/logger.ts";
import {
  CHANGE_LOG_OPTIONS,
  CLUSTER_USAGE,
  type ClusterSettings,
  checkClusterRetention,
  clusterSettings,
} from "./cluster-config.ts";
import { ConfigError } from "./config-error.ts";
import { joinNegativeValues, nonEmpty, parseByteSize, parseCount, parsePort, parseTtl } from "./config-values.ts";
import { TLS_OPTIONS, type TlsConfig, tlsConfig } from "./tls.ts";

/** Everything `startServer` needs. */
export interface ServerConfig {
  /** Store root directory (created when missing). Unused when {@link redisCluster} is set. */
  readonly root: string;
  /** Seed nodes of a Redis Cluster (`host:port,...`): the store lives there instead of under `root`. */
  readonly redisCluster?: string | undefined;
  /** Address to bind. Anything but loopback needs tokens, and TLS or {@link allowPlainHttp}. */
  readonly host: string;
  /** TCP port; 0 picks a free one. */
  readonly port: number;
  /** Path of the token file, or undefined for no auth (loopback only). */
  readonly tokensFile: string | undefined;
  /** Certificate and key files: the server speaks https. Absent: plain http. */
  readonly tls?: TlsConfig | undefined;
  /** Plain http on a non-loopback host is allowed (a proxy in front terminates TLS). */
  readonly allowPlainHttp?: boolean;
  /** Largest PUT body, in bytes. */
  readonly maxBodyBytes: number;
  /** Write one line per request to stdout. */
  readonly requestLog: boolean;
  /** `text` or `json` log lines; absent: JSON unless stdout is a terminal (see `defaultLogFormat`). */
  readonly logFormat?: LogFormat;
  /** How long a shutdown waits for in-flight requests before giving up. */
  readonly shutdownTimeoutMs: number;
  /** `--help` was given: print {@link USAGE} and exit. */
  readonly help: boolean;
  /** `--version` was given: print the version and exit. */
  readonly version?: boolean;
  /** TTL and size bounds of the store (empty: keep everything). */
  readonly retention: RetentionOptions;
  /** Largest entry file one write may make (the store's `maxEntryBytes`); undefined: no bound but the others. */
  readonly maxEntryBytes?: number | undefined;
  /** Memory bound of the lookup index (search, contextHash), in bytes; absent: the core's 1 GiB. */
  readonly lookupMaxBytes?: number;
  /** On a Redis Cluster: how the change logs are kept and read (absent: the store's defaults). */
  readonly changeLog?: ClusterSettings["changeLog"];
  /** On a Redis Cluster: a write to a shard with no online replica is refused or accepted on its master alone (absent: refuse). */
  readonly whenReplicaLost?: ClusterSettings["whenReplicaLost"];
}

/**
 * The `parseArgs` options of the retention bounds, each read from `--<flag>`, else
 * `REFLEX_<FLAG>` (`--max-bytes`, `REFLEX_MAX_BYTES`, ...). `reflex gc` takes the same ones.
 */
export const RETENTION_BOUND_OPTIONS = {
  "max-bytes": { type: "string" },
  "max-entries": { type: "string" },
  "tenant-max-bytes": { type: "string" },
  "tenant-max-entries": { type: "string" },
} as const satisfies ParseArgsOptionsConfig;

/** Defaults: a fresh clone runs with no flags and no env. */
export const DEFAULT_CONFIG: ServerConfig = {
  root: DEFAULT_ROOT,
  redisCluster: undefined,
  host: "127.0.0.1",
  port: 8080,
  tokensFile: undefined,
  maxBodyBytes: DEFAULT_MAX_BODY_BYTES,
  requestLog: true,
  shutdownTimeoutMs: 30_000,
  help: false,
  retention: {},
  maxEntryBytes: undefined,
};

/** The server's usage text. */
export const USAGE = `usage: bun apps/server/src/main.ts [options]   (from the clone's root; bun run start -- [options], reflex serve [options])

options (flag, then env, then default):
  --root DIR        REFLEX_ROOT       store root             (default ${DEFAULT_CONFIG.root})
  --redis-cluster HOST:PORT[,HOST:PORT...]   REFLEX_REDIS_CLUSTER
                    keep the store on this Redis Cluster instead of under a root (replicated
                    writes; no size bounds: use Redis maxmemory; cleanup answers 501)
  --host HOST       REFLEX_HOST       address to bind        (default ${DEFAULT_CONFIG.host})
  --port PORT       REFLEX_PORT       TCP port, 0 = any free (default ${DEFAULT_CONFIG.port})
  --tokens FILE     REFLEX_TOKENS     bearer token file (JSON); without it only loopback binds
  --tls-cert FILE   REFLEX_TLS_CERT   PEM certificate (chain): serve https (needs --tls-key)
  --tls-key FILE    REFLEX_TLS_KEY    PEM private key of that certificate (unencrypted)
  --allow-plain-http  REFLEX_ALLOW_PLAIN_HTTP=1
                    serve plain http on a non-loopback host: only behind a proxy that
                    terminates TLS (a non-loopback host needs --tokens, and TLS or this)
  --max-body SIZE   REFLEX_MAX_BODY   PUT body limit: bytes, or with K/M/G/KiB/MiB/GiB (default 24MiB:
                                      a 16 MiB payload fits as JSON too; largest payload
                                      protobuf ~24 MiB, JSON ~18 MiB)
  --max-bytes SIZE            REFLEX_MAX_BYTES            store size bound, all tenants (default none)
  --max-entries N             REFLEX_MAX_ENTRIES          entry count bound, all tenants (default none)
  --tenant-max-bytes SIZE     REFLEX_TENANT_MAX_BYTES     size bound of each tenant (default none)
  --tenant-max-entries N      REFLEX_TENANT_MAX_ENTRIES   entry count bound of each tenant (default none)
  --default-ttl SECONDS       REFLEX_DEFAULT_TTL          time to live of new entries, 0 = forever (default 0)
  --max-entry-bytes SIZE      REFLEX_MAX_ENTRY_BYTES      largest entry file one PUT may make (default none)
                              (a PUT over this, --tenant-max-bytes or --max-bytes is 413, before any eviction)
  --lookup-max-bytes SIZE     REFLEX_LOOKUP_MAX_BYTES     memory bound of the search index (default 1GiB)
${CLUSTER_USAGE}  --log-format text|json      REFLEX_LOG_FORMAT           log lines as text, or one JSON object a line
                              (default json, or text when stdout is a terminal)
  --quiet                             no request log (metrics and X-Request-Id stay)
  -V, --version                       print the version
  -h, --help                          this text
`;

export { ConfigError } from "./config-error.ts";

/** Every flag of the server. */
const SERVER_OPTIONS = {
  root: { type: "string" },
  "redis-cluster": { type: "string" },
  host: { type: "string" },
  port: { type: "string" },
  tokens: { type: "string" },
  "max-body": { type: "string" },
  ...TLS_OPTIONS,
  ...RETENTION_BOUND_OPTIONS,
  "default-ttl": { type: "string" },
  "max-entry-bytes": { type: "string" },
  "lookup-max-bytes": { type: "string" },
  ...CHANGE_LOG_OPTIONS,
  "log-format": { type: "string" },
  quiet: { type: "boolean" },
  help: { type: "boolean", short: "h" },
  version: { type: "boolean", short: "V" },
} as const satisfies ParseArgsOptionsConfig;

/**
 * The server's configuration from command-line flags, then environment variables
 * (`REFLEX_ROOT`, `REFLEX_REDIS_CLUSTER`, `REFLEX_HOST`, `REFLEX_PORT`, `REFLEX_TOKENS`, `REFLEX_MAX_BODY`;
 * empty counts as unset), then {@link DEFAULT_CONFIG}. Throws {@link ConfigError}.
 *
 * @example loadConfig(Bun.argv.slice(2), process.env)
 */
export function loadConfig(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>> = {},
): ServerConfig {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: joinNegativeValues(argv, SERVER_OPTIONS),
      strict: true,
      allowPositionals: false,
      options: SERVER_OPTIONS,
    }));
  } catch (error) {
    throw new ConfigError((error as Error).message);
  }
  const flag = (name: string) => nonEmpty(values[name] as string | undefined);
  const root = flag("root") ?? nonEmpty(env.REFLEX_ROOT) ?? DEFAULT_CONFIG.root;
  const redisCluster = flag("redis-cluster") ?? nonEmpty(env.REFLEX_REDIS_CLUSTER);
  if (redisCluster !== undefined && flag("root") !== undefined) {
    throw new ConfigError("--root and --redis-cluster choose where the store lives: give one of them");
  }
  const host = flag("host") ?? nonEmpty(env.REFLEX_HOST) ?? DEFAULT_CONFIG.host;
  const portText = flag("port") ?? nonEmpty(env.REFLEX_PORT);
  const sizeText = flag("max-body") ?? nonEmpty(env.REFLEX_MAX_BODY);
  const entryBytesText = flag("max-entry-bytes") ?? nonEmpty(env.REFLEX_MAX_ENTRY_BYTES);
  const lookupText = flag("lookup-max-bytes") ?? nonEmpty(env.REFLEX_LOOKUP_MAX_BYTES);
  const lookupWhat = flag("lookup-max-bytes") ? "--lookup-max-bytes" : "REFLEX_LOOKUP_MAX_BYTES";
  const retention = retentionConfig(flag, env);
  const logFormat = parseLogFormat(flag("log-format"), nonEmpty(env.REFLEX_LOG_FORMAT));
  if (redisCluster !== undefined) checkClusterRetention(retention);
  const read = (name: string, envName: string) => {
    const text = flag(name) ?? nonEmpty(env[envName]);
    return text === undefined ? undefined : { text, what: flag(name) === undefined ? envName : `--${name}` };
  };
  const cluster = clusterSettings(read, redisCluster !== undefined);
  return {
    root,
    redisCluster,
    host,
    port: portText === undefined ? DEFAULT_CONFIG.port : parsePort(portText, flag("port") ? "--port" : "REFLEX_PORT"),
    tokensFile: flag("tokens") ?? nonEmpty(env.REFLEX_TOKENS),
    ...tlsConfig(flag, values["allow-plain-http"] === true, env),
    maxBodyBytes:
      sizeText === undefined
        ? DEFAULT_CONFIG.maxBodyBytes
        : parseByteSize(sizeText, flag("max-body") ? "--max-body" : "REFLEX_MAX_BODY"),
    requestLog: values.quiet !== true,
    ...(logFormat === undefined ? {} : { logFormat }),
    shutdownTimeoutMs: DEFAULT_CONFIG.shutdownTimeoutMs,
    help: values.help === true,
    ...(values.version === true ? { version: true } : {}),
    retention,
    maxEntryBytes:
      entryBytesText === undefined
        ? undefined
        : parseByteSize(
            entryBytesText,
            flag("max-entry-bytes") ? "--max-entry-bytes" : "REFLEX_MAX_ENTRY_BYTES",
            Number.MAX_SAFE_INTEGER,
          ),
    ...(lookupText === undefined
      ? {}
      : { lookupMaxBytes: parseByteSize(lookupText, lookupWhat, Number.MAX_SAFE_INTEGER) }),
    ...cluster,
  };
}

/** `--log-format`, else `REFLEX_LOG_FORMAT`: `text` or `json`; undefined when neither is given. */
function parseLogFormat(fromFlag: string | undefined, fromEnv: string | undefined): LogFormat | undefined {
  const text = fromFlag ?? fromEnv;
  if (text === undefined) return undefined;
  const format = LOG_FORMATS.find((name) => name === text.trim().toLowerCase());
  if (format === undefined) {
    const what = fromFlag === undefined ? "REFLEX_LOG_FORMAT" : "--log-format";
    throw new ConfigError(`${what} must be text or json, got ${JSON.stringify(text)}`);
  }
  return format;
}

/** Reads the retention flags and env (`REFLEX_MAX_BYTES`, ...); unset ones stay unbounded. */
function retentionConfig(
  flag: (name: string) => string | undefined,
  env: Readonly<Record<string, string | undefined>>,
): RetentionOptions {
  const read = (name: string, envName: string, parse: (text: string, what: string) => number) => {
    const fromFlag = flag(name);
    const text = fromFlag ?? nonEmpty(env[envName]);
    return text === undefined ? undefined : parse(text, fromFlag === undefined ? envName : `--${name}`);
  };
  const size = (text: string, what: string) => parseByteSize(text, what, Number.MAX_SAFE_INTEGER);
  const count = (text: string, what: string) => parseCount(text, what, 1);
  const retention: { -readonly [K in keyof RetentionOptions]: RetentionOptions[K] } = {};
  const maxBytes = read("max-bytes", "REFLEX_MAX_BYTES", size);
  if (maxBytes !== undefined) retention.maxBytes = maxBytes;
  const maxEntries = read("max-entries", "REFLEX_MAX_ENTRIES", count);
  if (maxEntries !== undefined) retention.maxEntries = maxEntries;
  const tenantMaxBytes = read("tenant-max-bytes", "REFLEX_TENANT_MAX_BYTES", size);
  if (tenantMaxBytes !== undefined) retention.tenantMaxBytes = tenantMaxBytes;
  const tenantMaxEntries = read("tenant-max-entries", "REFLEX_TENANT_MAX_ENTRIES", count);
  if (tenantMaxEntries !== undefined) retention.tenantMaxEntries = tenantMaxEntries;
  const defaultTtlSeconds = read("default-ttl", "REFLEX_DEFAULT_TTL", parseTtl);
  if (defaultTtlSeconds !== undefined) retention.defaultTtlSeconds = defaultTtlSeconds;
  return retention;
}
