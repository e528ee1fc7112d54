import type { StreamFlight } from "../stream/stream-flight.ts";
import type { WholeAnswer } from "../upstream/upstream-client.ts";

/**
 * One upstream call that identical requests (same tenant, same canonical request) share while
 * it is in flight: a JSON answer read whole, or a streamed one.
 *
 * Who follows what (the choice for streams): a stream request that joins a streaming flight
 * follows the same upstream bytes live, from the first byte; one that joins a JSON flight gets
 * the complete answer replayed as SSE. A non-stream request that joins a streaming flight
 * waits for the end and gets the assembled completion. An upstream error answer reaches every
 * joiner as it came.
 */
export type Flight =
  | {
      readonly kind: "whole";
      /** The canonical request (a joiner whose bytes differ under the same 64-bit key does not join). */
      readonly canonical: Uint8Array;
      readonly answer: Promise<WholeAnswer>;
    }
  | {
      readonly kind: "stream";
      readonly canonical: Uint8Array;
      readonly opened: Promise<OpenedStream>;
    };

/** What a streaming flight's upstream answered: an SSE stream, or a whole (error or non-SSE) answer. */
export type OpenedStream =
  | { readonly kind: "sse"; readonly headers: Headers; readonly flight: StreamFlight }
  | { readonly kind: "whole"; readonly answer: WholeAnswer };
