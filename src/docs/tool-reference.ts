/**
 * The tool reference (docs/tools.md), rendered from what `tools/list` really returns, so the docs cannot
 * drift from the code: `npm run docs` writes it, and a test fails when the page is stale.
 */
import { Client, InMemoryTransport, type Tool } from '@modelcontextprotocol/client';
import { APP_MIME_TYPE } from '../mcp/sdk.js';
import { APPS_EXTENSION } from '../review/review-app.js';
import { createServer } from '../mcp/create-server.js';
import { DEFAULT_CONFIRM_THRESHOLD } from '../settings.js';
import { VobizClient } from '../vobiz/client.js';

/**
 * Every tool the server can register, listed through a real MCP client in memory: as stdio offers them,
 * or (`remote`) as remote mode does, where the confirming tools take `approval` (described with the
 * default threshold). With `apps`, as a client that renders MCP Apps sees them: with the tools only the
 * review view calls (the build keeps those, and tools/list leaves them out for other clients).
 */
export async function listAllTools(remote = false, { apps = false } = {}): Promise<Tool[]> {
  // The client is never called: listing tools needs no API.
  const vobiz = new VobizClient({ baseUrl: 'http://127.0.0.1:9', credentials: { bearerToken: 'unused' } });
  const server = createServer({
    client: vobiz,
    import: { allowedDirs: [], maxFileBytes: 0, maxInlineBytes: 0, chunkRows: 1 },
    // `auto` over stdio registers what a confirming server does (the view's apply_change among it).
    confirm: { mode: remote ? 'argument' : 'auto', bulkThreshold: DEFAULT_CONFIRM_THRESHOLD },
    bulkConcurrency: 1,
    ...(remote && { remote }),
  });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  const client = new Client(
    { name: 'docs', version: '1.0.0' },
    apps ? { capabilities: { extensions: { [APPS_EXTENSION]: { mimeTypes: [APP_MIME_TYPE] } } } } : {},
  );
  await Promise.all([server.connect(serverSide), client.connect(clientSide)]);
  const { tools } = await client.listTools();
  await client.close();
  await vobiz.close();
  return tools;
}

interface PropertySchema {
  type?: string | string[];
  description?: string;
  enum?: unknown[];
  items?: PropertySchema;
  anyOf?: PropertySchema[];
  minimum?: number;
  maximum?: number;
  default?: unknown;
}

/** `read-only`, `writes`, `destructive`, `idempotent`…: what a tool's annotations say. */
export function traitsOf(tool: Tool): string[] {
  const a = tool.annotations ?? {};
  return [
    a.readOnlyHint ? 'read-only' : 'writes',
    a.destructiveHint ? 'destructive' : null,
    a.idempotentHint ? 'idempotent' : 'not idempotent',
  ].filter((trait) => trait !== null);
}

/** Each tool's section: heading, description (unless left out), traits and argument table. */
export function renderToolReference(
  tools: readonly Tool[],
  { headingLevel = 2, descriptions = true } = {},
): string {
  const sections = tools.map((tool) => {
    const traits = traitsOf(tool);
    const required = new Set(tool.inputSchema.required ?? []);
    const rows = Object.entries(tool.inputSchema.properties ?? {}).map(([name, raw]) => {
      const schema = raw as PropertySchema;
      const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
      return `| \`${name}\` | ${cell(typeOf(schema))} | ${required.has(name) ? 'yes' : ''} | ${cell(schema.description ?? '')} |`;
    });
    const table = rows.length
      ? ['| argument | type | required | description |', '|---|---|---|---|', ...rows].join('\n')
      : '_No arguments._';
    const heading = `${'#'.repeat(headingLevel)} \`${tool.name}\` — ${tool.title ?? tool.name}`;
    const description = descriptions ? `${tool.description ?? ''}\n\n` : '';
    return `${heading}\n\n${description}_${traits.join(', ')}_\n\n${table}`;
  });
  return sections.join('\n\n');
}

function typeOf(schema: PropertySchema): string {
  if (schema.enum) return schema.enum.map((v) => JSON.stringify(v)).join(' \\| ');
  if (schema.anyOf) return schema.anyOf.map(typeOf).join(' or ');
  const base = Array.isArray(schema.type) ? schema.type.join(' or ') : (schema.type ?? 'any');
  const type = base === 'array' && schema.items ? `${typeOf(schema.items)}[]` : base;
  const range =
    schema.minimum !== undefined || schema.maximum !== undefined
      ? ` (${schema.minimum ?? ''}–${schema.maximum ?? ''})`
      : '';
  const fallback = schema.default !== undefined ? `, default ${JSON.stringify(schema.default)}` : '';
  return `${type}${range}${fallback}`;
}
