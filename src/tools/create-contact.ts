import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { E164_EXAMPLE } from '../vobiz/contract.js';
import { ContactOutputSchema, formatContactLine, toContactOutput } from './contact-output.js';
import type { ToolContext } from './context.js';
import { customAttributesField, nameField, phoneNumberField, tagsField } from './fields.js';
import { failureResult, successResult } from './results.js';

export const CREATE_CONTACT = 'create_contact';

export function registerCreateContact(server: McpServer, { client }: ToolContext): void {
  server.registerTool(
    CREATE_CONTACT,
    {
      title: 'Create a contact',
      description:
        'Create one WhatsApp contact on Vobiz. The phone number must be E.164 (e.g. ' +
        `${E164_EXAMPLE}) and is unique per account: search with list_contacts first, and use ` +
        'update_contact for a number that already exists. Tags are how campaigns pick their audience. ' +
        'Returns the new contact with its id. For many contacts at once use import_contacts_csv.',
      inputSchema: {
        phone_number: phoneNumberField,
        name: nameField,
        tags: tagsField.optional(),
        custom_attributes: customAttributesField.optional(),
      },
      outputSchema: ContactOutputSchema.shape,
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
    },
    async (args, extra) => {
      try {
        const contact = toContactOutput(await client.createContact(args, { signal: extra.signal }));
        return successResult(contact, `Created: ${formatContactLine(contact)}`);
      } catch (error) {
        return failureResult(error, { action: `create the contact ${args.phone_number}`, writes: true });
      }
    },
  );
}
