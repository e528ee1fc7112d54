import { Embeddings } from "@langchain/core/embeddings";

/** Embeddings from a fixed table of texts (no model): what a similarity test needs and nothing more. */
export class TableEmbeddings extends Embeddings {
  constructor(readonly table: ReadonlyMap<string, number[]>) {
    super({});
  }

  override async embedQuery(text: string): Promise<number[]> {
    const vector = this.table.get(text);
    if (vector === undefined) throw new Error(`no embedding for ${JSON.stringify(text)}`);
    return vector;
  }

  override async embedDocuments(texts: string[]): Promise<number[][]> {
    return Promise.all(texts.map((text) => this.embedQuery(text)));
  }
}
