import type { Principal } from "./auth/principal.ts";
import type { RequestNote } from "./observe/request-note.ts";

/** The Hono environment of the app: what middleware leaves on the context for handlers. */
export interface AppEnv {
  /** What `Bun.serve`'s fetch hands `app.fetch` as its env (nothing under `app.request()`). */
  Bindings: {
    readonly server?: Bun.Server<undefined>;
    /** The request observer's note: the `noteContext` middleware leaves the context on it. */
    readonly note?: RequestNote;
  };
  Variables: {
    /** Who made the request; set by the authentication middleware before any route runs. */
    principal: Principal;
    /** The `{tenant}` path parameter as a u64, set by the tenant-access middleware (parsed once per request). */
    tenantId: bigint;
    /** The `{id}` path parameter as a u64, set by `requireEntryAccess` (parsed once per request). */
    entryId: bigint;
  };
}
