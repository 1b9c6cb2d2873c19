/**
 * LangChain JS driving the server over stdio: @langchain/mcp-adapters turns our tools into LangChain
 * tools, and a LangGraph agent (langchain's createAgent) calls them until the job is done. The model
 * here is scripted (fakeModel from @langchain/core/testing); a real chat model goes in its place.
 *
 *   npm run build && npx tsx examples/langchain.ts [--default-output]
 *
 * The adapter puts each result's whole structuredContent into the text block the model reads, beside our
 * compact text: the same contacts twice, once as JSON. No option turns that off (outputHandling and
 * useStandardContentBlocks leave it), so an afterToolCall hook hands the model the text alone;
 * --default-output runs without it, to compare.
 */
import { MultiServerMCPClient } from '@langchain/mcp-adapters';
import { AIMessage, ToolMessage, type BaseMessage, type MessageContent } from '@langchain/core/messages';
import { fakeModel } from '@langchain/core/testing';
import { createAgent } from 'langchain';
import { JOB, nextMove, startStage, type Transcript } from './fair.js';

const compactText = !process.argv.includes('--default-output');

const stage = await startStage();
const mcp = new MultiServerMCPClient({
  mcpServers: { vobiz: { transport: 'stdio', ...stage.server } },
  ...(compactText && { afterToolCall: ({ result: [content] }) => ({ result: textBlocksOf(content) }) }),
});
try {
  const transcript: Transcript = { calls: [], read: [] };
  const agent = createAgent({ model: scriptedModel(transcript), tools: await mcp.getTools() });
  const { messages } = await agent.invoke({ messages: [{ role: 'user', content: JOB }] });
  console.error(messages.at(-1)?.text);
  const framework = compactText ? 'langchain' : 'langchain-default-output';
  process.exitCode = stage.report(framework, transcript) ? 0 : 1;
} finally {
  await mcp.close();
  await stage.close();
}

/** A chat model that plays the script, one turn per call, reading the tool messages it is given. */
function scriptedModel(transcript: Transcript) {
  const model = fakeModel();
  const turn = (messages: BaseMessage[]) => {
    transcript.read = messages.filter(ToolMessage.isInstance).map((message) => asSent(message.content));
    const move = nextMove(transcript.read);
    if ('say' in move) return new AIMessage(move.say);
    transcript.calls.push(move.tool);
    const id = `call-${transcript.calls.length}`;
    return new AIMessage({ content: '', tool_calls: [{ id, name: move.tool, args: move.args }] });
  };
  for (let i = 0; i < 4; i++) model.respond(turn); // three tool calls, then the answer
  return model;
}

/** The text of a tool result's text blocks: our compact text, without the JSON attached to it. */
function textBlocksOf(content: MessageContent): string {
  if (typeof content === 'string') return content;
  return content.flatMap((block) => (block.type === 'text' ? [block.text] : [])).join('\n');
}

/**
 * A tool message's content as a provider sends it to the model: a string as it is; content blocks as
 * ChatOpenAI's chat completions request carries them, as JSON, with any fields the adapter added.
 */
function asSent(content: MessageContent): string {
  return typeof content === 'string' ? content : JSON.stringify(content);
}
