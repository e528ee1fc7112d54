import { z } from "@hono/zod-openapi";
import { EntryJsonOutput } from "./schemas.ts";

/** JSON body of a search (the protobuf JSON mapping of `reflex.v1.SearchRequest`). */
export const SearchJsonInput = z
  .strictObject({
    embedding: z
      .string()
      .min(1, "embedding is required: base64 of little-endian f16 values")
      .openapi({ format: "byte", example: "ADwAAA==", description: "The query, little-endian f16, base64." }),
    k: z
      .number()
      .int()
      .min(1)
      .max(100)
      .optional()
      .openapi({ example: 5, description: "Most hits, 1 to 100; default 1." }),
    minSimilarity: z
      .number()
      .min(-1)
      .max(1)
      .optional()
      .openapi({ example: 0.9, description: "Least cosine similarity of a hit; default 0.9." }),
    exact: z
      .boolean()
      .optional()
      .openapi({ description: "Score every stored vector instead of the prefiltered candidates; default false." }),
    include: z.enum(["ids", "entry"]).optional().openapi({
      description: "`ids` (default): hits carry ids and metadata; `entry`: each hit carries its entry too.",
    }),
    contextHash: z
      .string()
      .regex(/^\d{1,20}$/, "contextHash must be a decimal u64")
      .optional()
      .openapi({
        example: "7",
        description: "Only entries with this context hash (a u64, decimal string) are candidates; default: all.",
      }),
  })
  .openapi("SearchRequest");

/** JSON body of a search response. */
export const SearchJsonOutput = z
  .object({
    hits: z.array(
      z.object({
        id: z.string().openapi({ example: "42" }),
        similarity: z.number().openapi({ example: 0.97 }),
        timestamp: z.string().openapi({ example: "1700000000" }),
        contextHash: z.string().openapi({ example: "7" }),
        entry: EntryJsonOutput.optional().openapi({ description: "With include `entry`." }),
      }),
    ),
    nearest: z
      .number()
      .nullable()
      .openapi({
        example: 0.87,
        description:
          "The best cosine similarity of any candidate, whether or not it reached `minSimilarity` (to tune a " +
          "threshold from real traffic); null when there was no candidate of the query's dimension in scope.",
      }),
  })
  .openapi("SearchResponse");
