/**
 * Contacts as resources, `vobiz://contacts/{id}`, so a user can attach one to a conversation.
 */
import { ResourceTemplate, type McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { CONTACT_ID_PATTERN } from './vobiz/contract.js';
import type { VobizClient } from './vobiz/client.js';
import { toContactOutput } from './tools/contact-output.js';

/** How many contacts the resource list offers to pick from: the first page, newest last. */
const LISTED_CONTACTS = 50;

export function registerContactResource(server: McpServer, client: VobizClient): void {
  server.registerResource(
    'contact',
    new ResourceTemplate('vobiz://contacts/{id}', {
      list: async () => {
        const page = await client.listContacts({ limit: LISTED_CONTACTS });
        return {
          resources: page.items.map((c) => ({
            uri: `vobiz://contacts/${c.id}`,
            name: `${c.name} (${c.phone_number})`,
            mimeType: 'application/json',
          })),
        };
      },
    }),
    {
      title: 'Vobiz contact',
      description: 'One WhatsApp contact: phone number, name, tags and custom attributes, as JSON.',
      mimeType: 'application/json',
    },
    async (uri, { id }) => {
      const contactId = Array.isArray(id) ? id[0] : id;
      if (contactId === undefined || !CONTACT_ID_PATTERN.test(contactId)) {
        throw new Error(`Not a contact id: ${uri.href}`);
      }
      const contact = toContactOutput(await client.getContact(contactId));
      return { contents: [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify(contact) }] };
    },
  );
}
