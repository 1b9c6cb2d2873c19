// The text a model reads for one page of 100 contacts (list_contacts, limit 100), in each MCP client and
// agent framework, measured through each framework's own MCP client and its own conversion of the tool
// result into the model's input, against one sandbox. Byte counts, so nothing here depends on speed.
//
//   npm run build && node bench/framework-text.js
//
// Mastra is measured when @mastra/mcp and @mastra/core are installed (they are not devDependencies:
// they declare Node >= 22): `npm i --no-save @mastra/mcp@2 @mastra/core@1`.
// Loopback only; every call is made once.
import { fileURLToPath } from 'node:url';
import { createMCPClient } from '@ai-sdk/mcp';
import { Experimental_StdioMCPTransport } from '@ai-sdk/mcp/mcp-stdio';
import { MultiServerMCPClient } from '@langchain/mcp-adapters';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { startSandbox } from '../dist/sandbox/index.js';
import { generateContactsCsv } from '../dist/demo/sample-csv.js';

const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const ARGS = { limit: 100 };
const rows = [];

/** The text of MCP content blocks, or anything else as the JSON a provider would send. */
const asText = (value) =>
  typeof value === 'string'
    ? value
    : Array.isArray(value) && value.every((part) => typeof part.text === 'string')
      ? value.map((part) => part.text).join('\n')
      : JSON.stringify(value);

/** An AI SDK tool-result output (text, json or content) as a provider sends it. */
const outputText = (output) => asText(output.value);

async function mcpSdk(server) {
  const client = new Client({ name: 'bench', version: '1.0.0' });
  await client.connect(new StdioClientTransport({ ...server, stderr: 'ignore' }));
  try {
    const result = await client.callTool({ name: 'list_contacts', arguments: ARGS });
    row('our compact text: the content block, as the MCP SDK client receives it', asText(result.content));
    row(
      'for comparison: the same page as structuredContent, compact JSON',
      JSON.stringify(result.structuredContent),
    );
    return result.structuredContent.contacts.rows.length;
  } finally {
    await client.close();
  }
}

async function vercelAiSdk(server) {
  const mcp = await createMCPClient({
    transport: new Experimental_StdioMCPTransport({ ...server, stderr: 'ignore' }),
  });
  try {
    const tool = (await mcp.tools()).list_contacts;
    const options = { toolCallId: 'bench', messages: [] };
    const output = await tool.execute(ARGS, options);
    // What generateText puts in the prompt: the tool's own toModelOutput of the result.
    const modelOutput = await tool.toModelOutput({ toolCallId: 'bench', input: ARGS, output });
    row('Vercel AI SDK (ai 6, @ai-sdk/mcp 1), `mcp.tools()`', outputText(modelOutput));
  } finally {
    await mcp.close();
  }
}

async function langchain(server, label, options = {}) {
  const mcp = new MultiServerMCPClient({
    mcpServers: { vobiz: { transport: 'stdio', ...server, stderr: 'ignore' } },
    ...options,
  });
  try {
    const tool = (await mcp.getTools()).find((t) => t.name === 'list_contacts');
    const message = await tool.invoke({ type: 'tool_call', id: 'bench', name: 'list_contacts', args: ARGS });
    // A string as it is; content blocks as ChatOpenAI's chat completions request carries them (JSON).
    const content = message.content;
    row(label, typeof content === 'string' ? content : JSON.stringify(content));
  } finally {
    await mcp.close();
  }
}

async function mastra(server) {
  let MCPClient;
  try {
    ({ MCPClient } = await import('@mastra/mcp'));
  } catch {
    rows.push({ label: 'Mastra (@mastra/mcp)', bytes: undefined });
    return;
  }
  const mcp = new MCPClient({ servers: { vobiz: server } });
  try {
    const tool = (await mcp.listTools()).vobiz_list_contacts;
    const output = await tool.execute(ARGS, {});
    // Mastra's agent turns the result into the model's input with the tool's toModelOutput, if any.
    const modelOutput = tool.toModelOutput
      ? await tool.toModelOutput(output)
      : { type: 'json', value: output };
    row('Mastra (@mastra/mcp 2, @mastra/core 1)', outputText(modelOutput));
  } finally {
    await mcp.disconnect();
  }
}

function row(label, text) {
  rows.push({ label, bytes: Buffer.byteLength(text) });
}

const sandbox = await startSandbox({ seed: false });
try {
  // The contacts bench/run.js measures with: tags, attributes, numbers from three countries.
  const form = new FormData();
  const csv = generateContactsCsv(500).csv.replace(/\n0(\d\d\d) /g, '\n+91$1');
  form.append('file', new Blob([csv], { type: 'text/csv' }), 'seed.csv');
  const { authId, authToken } = sandbox.credentials;
  const seeded = await fetch(`${sandbox.baseUrl}/contacts/import`, {
    method: 'POST',
    headers: { 'X-Auth-ID': authId, 'X-Auth-Token': authToken },
    body: form,
  });
  if (!seeded.ok) throw new Error(`seeding failed: HTTP ${seeded.status}`);

  const server = {
    command: process.execPath,
    args: [CLI],
    env: { VOBIZ_BASE_URL: sandbox.baseUrl, VOBIZ_AUTH_ID: authId, VOBIZ_AUTH_TOKEN: authToken },
  };
  const contacts = await mcpSdk(server);
  await vercelAiSdk(server);
  await langchain(server, 'LangChain (@langchain/mcp-adapters 1.1), default settings');
  await langchain(
    server,
    'LangChain, with `afterToolCall` keeping the text blocks only (examples/langchain.ts)',
    {
      afterToolCall: ({ result: [content] }) => ({
        result:
          typeof content === 'string' ? content : asText(content.filter((block) => block.type === 'text')),
      }),
    },
  );
  await mastra(server);

  const compact = rows[0].bytes;
  console.log(`\nText a model reads for one list_contacts page of ${contacts} contacts:\n`);
  console.log('| client | bytes | ≈ tokens (4 B each) | vs our compact text |');
  console.log('|---|---|---|---|');
  for (const { label, bytes } of rows) {
    if (bytes === undefined) console.log(`| ${label} | not installed | | |`);
    else
      console.log(
        `| ${label} | ${bytes.toLocaleString('en')} | ${Math.round(bytes / 4).toLocaleString('en')} | ×${(bytes / compact).toFixed(2)} |`,
      );
  }
} finally {
  await sandbox.close();
}
