// The floor the SDK sets: the smallest MCP server that does what get_contact does — one tool, an
// authenticated GET with undici, the answer checked with zod, text plus structuredContent — and nothing
// else. bench/run.js measures our get_contact against it, side by side, to see what our code adds.
//
//   VOBIZ_BASE_URL=… VOBIZ_AUTH_ID=… VOBIZ_AUTH_TOKEN=… node bench/minimal-server.js
import { McpServer } from '@modelcontextprotocol/server';
import { serveStdio } from '@modelcontextprotocol/server/stdio';
import { Agent, request } from 'undici';
import { z } from 'zod';

const baseUrl = process.env.VOBIZ_BASE_URL;
const headers = {
  accept: 'application/json',
  'x-auth-id': process.env.VOBIZ_AUTH_ID,
  'x-auth-token': process.env.VOBIZ_AUTH_TOKEN,
};
const agent = new Agent({ keepAliveTimeout: 30_000 });

// The fields get_contact returns, so that both answers are the same size.
const fields = {
  id: z.string(),
  phone_number: z.string(),
  name: z.string(),
  tags: z.array(z.string()),
  custom_attributes: z.record(z.string(), z.unknown()),
  last_active_at: z.string().optional(),
  created_at: z.string().optional(),
  updated_at: z.string().optional(),
};
const Contact = z.looseObject(fields);

function createServer() {
  const server = new McpServer({ name: 'minimal', version: '1.0.0' });
  server.registerTool(
    'get_contact',
    {
      description: 'Get one contact by id.',
      inputSchema: z.object({ id: z.string() }),
      outputSchema: z.object(fields),
    },
    async ({ id }) => {
      const res = await request(`${baseUrl}/contacts/${encodeURIComponent(id)}`, {
        headers,
        dispatcher: agent,
      });
      const {
        id: contactId,
        phone_number,
        name,
        tags,
        custom_attributes,
        last_active_at,
        created_at,
        updated_at,
      } = Contact.parse(await res.body.json());
      const structured = {
        id: contactId,
        phone_number,
        name,
        tags,
        custom_attributes,
        last_active_at,
        created_at,
        updated_at,
      };
      // The same one-line text as ours: id, number, name, tags, attributes, activity.
      const text = [
        contactId,
        phone_number,
        JSON.stringify(name),
        tags.length ? `tags: ${tags.join(',')}` : '',
        Object.keys(custom_attributes).length ? `attrs: ${JSON.stringify(custom_attributes)}` : '',
        last_active_at ? `active ${last_active_at}` : '',
      ]
        .filter(Boolean)
        .join(' · ');
      return { structuredContent: structured, content: [{ type: 'text', text }] };
    },
  );
  return server;
}
// Both protocol generations, as ours serves them.
serveStdio(createServer);
process.stdin.on('end', () => process.exit(0));
