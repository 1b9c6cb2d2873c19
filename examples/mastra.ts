/**
 * Mastra (@mastra/core + @mastra/mcp, which need Node 22) driving the server over stdio: its MCPClient
 * lists our tools (named after the server: `vobiz_list_contacts`), and an Agent calls them until the job
 * is done. The model is scripted (the AI SDK's MockLanguageModelV4, which Mastra takes as any AI SDK 7
 * model); a real one goes in its place.
 *
 *   npm run build && npx tsx examples/mastra.ts
 */
import { Agent, type AgentConfig } from '@mastra/core/agent';
import { MCPClient } from '@mastra/mcp';
import { MockLanguageModelV4 } from 'ai-v7/test';
import { scriptedGenerate, scriptedStream } from './ai-sdk-script.js';
import { JOB, startStage, type Transcript } from './fair.js';

const SERVER = 'vobiz';
const toolName = (tool: string) => `${SERVER}_${tool}`;

const stage = await startStage();
const mcp = new MCPClient({ servers: { [SERVER]: stage.server } });
try {
  const transcript: Transcript = { calls: [], read: [] };
  const agent = new Agent({
    id: 'contacts',
    name: 'Contacts',
    instructions: 'You manage the WhatsApp contacts of a Vobiz account.',
    // An AI SDK 7 model, answering whole or streamed (Mastra's Agent asks both ways). Mastra types
    // models with its own copy of the AI SDK's provider package, hence the cast.
    model: new MockLanguageModelV4({
      doGenerate: scriptedGenerate(transcript, toolName),
      doStream: scriptedStream(transcript, toolName),
    }) as unknown as AgentConfig['model'],
    tools: await mcp.listTools(),
  });
  const result = await agent.generate(JOB, { maxSteps: 10 });
  console.error(result.text);
  process.exitCode = stage.report('mastra', transcript) ? 0 : 1;
} finally {
  await mcp.disconnect();
  await stage.close();
}
