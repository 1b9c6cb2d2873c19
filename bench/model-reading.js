// What a model reads of this server, in bytes: of tools/list (each tool's name, description and input
// schema, stdio and remote lists) against its budget, and of one typical answer of every tool, its
// text (what Claude Desktop gives the model) beside its structured content (what Claude Code gives it
// instead), with their ratio. The built server over stdio, a real MCP client, one sandbox; byte counts,
// so nothing here depends on the machine's speed. Exits 1 when a budget is broken.
//
//   npm run build && node bench/model-reading.js
//
// Loopback only; every call is made once (get_job until its job ends, at most 30 times).
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { startSandbox, DEFAULT_SANDBOX_AUTH_ID } from '../dist/sandbox/index.js';
import {
  answerBytes,
  MAX_STRUCTURED_TO_TEXT,
  modelViewOfTool,
  TOOL_LIST_BUDGET_BYTES,
  toolListModelBytes,
  typicalAccount,
  typicalAnswers,
  TYPICAL_CONTACTS,
  TYPICAL_SERVER_ENV,
} from '../dist/docs/model-reading.js';
import { listAllTools } from '../dist/docs/tool-reference.js';

const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const bytes = (value) => Buffer.byteLength(JSON.stringify(value)).toLocaleString('en');
let broken = false;

const sandbox = await startSandbox({ seed: false, contacts: typicalAccount(DEFAULT_SANDBOX_AUTH_ID) });
const client = new Client({ name: 'bench', version: '1.0.0' });
try {
  await client.connect(
    new StdioClientTransport({
      command: process.execPath,
      args: [CLI],
      env: {
        VOBIZ_BASE_URL: sandbox.baseUrl,
        VOBIZ_AUTH_ID: sandbox.credentials.authId,
        VOBIZ_AUTH_TOKEN: sandbox.credentials.authToken,
        ...TYPICAL_SERVER_ENV,
      },
      stderr: 'ignore',
    }),
  );

  const stdio = (await client.listTools()).tools;
  const remote = await listAllTools(true);
  const remoteByName = new Map(remote.map((tool) => [tool.name, tool]));
  console.log(`\nWhat a model reads of tools/list (name, description, input schema), in bytes:\n`);
  console.log('| tool | stdio | remote (with `confirm`) |');
  console.log('|---|---|---|');
  for (const tool of stdio) {
    const other = remoteByName.get(tool.name);
    console.log(
      `| ${tool.name} | ${bytes(modelViewOfTool(tool))} | ${other ? bytes(modelViewOfTool(other)) : '-'} |`,
    );
  }
  const [stdioTotal, remoteTotal] = [toolListModelBytes(stdio), toolListModelBytes(remote)];
  console.log(
    `| **all ${stdio.length}** | **${stdioTotal.toLocaleString('en')}** | **${remoteTotal.toLocaleString('en')}** |`,
  );
  console.log(`\nBudget: ${TOOL_LIST_BUDGET_BYTES.toLocaleString('en')} bytes in either list.`);
  if (Math.max(stdioTotal, remoteTotal) > TOOL_LIST_BUDGET_BYTES) {
    console.log('**Over budget.**');
    broken = true;
  }

  const answers = await typicalAnswers((name, args) => client.callTool({ name, arguments: args }), sandbox);
  console.log(
    `\nOne typical answer of every tool (an account of ${TYPICAL_CONTACTS} contacts), in bytes: the text ` +
      'and JSON.stringify(structuredContent):\n',
  );
  console.log('| tool | answer | text | structured | structured / text |');
  console.log('|---|---|---|---|---|');
  for (const { tool, answer, result } of answers) {
    const { text, structured, ratio } = answerBytes(result);
    const over = ratio > MAX_STRUCTURED_TO_TEXT;
    broken ||= over;
    console.log(
      `| ${tool} | ${answer} | ${text.toLocaleString('en')} | ${structured.toLocaleString('en')} | ` +
        `${over ? '**' : ''}×${ratio.toFixed(2)}${over ? '**' : ''} |`,
    );
  }
  console.log(`\nBudget: structured content at most ×${MAX_STRUCTURED_TO_TEXT} of the text.`);
} finally {
  await client.close();
  await sandbox.close();
}
if (broken) process.exitCode = 1;
