import type { BaseMessage } from "@langchain/core/messages";
import type { ChatResult } from "@langchain/core/outputs";
import { FakeListChatModel } from "@langchain/core/utils/testing";

/** LangChain's fake chat model, counting how often it is really called (cache hits do not call it). */
export class CountingChatModel extends FakeListChatModel {
  calls = 0;

  override async _generate(messages: BaseMessage[], options?: this["ParsedCallOptions"]): Promise<ChatResult> {
    this.calls++;
    return super._generate(messages, options);
  }
}
