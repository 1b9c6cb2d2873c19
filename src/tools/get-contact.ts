import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { ContactOutputSchema, formatContactLine, toContactOutput } from './contact-output.js';
import type { ToolContext } from './context.js';
import { contactIdField } from './fields.js';
import { failureResult, successResult } from './results.js';

export const GET_CONTACT = 'get_contact';

export function registerGetContact(server: McpServer, { client }: ToolContext): void {
  server.registerTool(
    GET_CONTACT,
    {
      title: 'Get a contact',
      description:
        'Get one WhatsApp contact on Vobiz by its id: phone number (E.164), name, tags, custom attributes ' +
        'and timestamps. Use list_contacts with search to find the id first.',
      inputSchema: { id: contactIdField },
      outputSchema: ContactOutputSchema.shape,
      annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
    },
    async ({ id }, extra) => {
      try {
        const contact = toContactOutput(await client.getContact(id, { signal: extra.signal }));
        return successResult(contact, formatContactLine(contact));
      } catch (error) {
        return failureResult(error, {
          action: `get contact ${id}`,
          writes: false,
          notFoundHint: 'Find the right id with list_contacts (search by name or phone).',
        });
      }
    },
  );
}
