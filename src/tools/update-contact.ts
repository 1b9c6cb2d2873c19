import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { ContactOutputSchema, formatContactLine, toContactOutput } from './contact-output.js';
import type { ToolContext } from './context.js';
import { contactIdField, customAttributesField, nameField, tagsField } from './fields.js';
import { errorResult, failureResult, successResult } from './results.js';

export const UPDATE_CONTACT = 'update_contact';

export function registerUpdateContact(server: McpServer, { client }: ToolContext): void {
  server.registerTool(
    UPDATE_CONTACT,
    {
      title: 'Update a contact',
      description:
        "Change a contact's name, tags and/or custom attributes; fields left out stay as they are. " +
        '`tags` REPLACES the whole tag list and `custom_attributes` the whole map; to add or remove a tag ' +
        'while keeping the others, use tag_contacts instead. The phone number cannot be changed (create a ' +
        'new contact instead). Returns the updated contact.',
      inputSchema: {
        id: contactIdField,
        name: nameField.optional(),
        tags: tagsField
          .optional()
          .describe('The complete new tag list (replaces the current one), e.g. ["vip"].'),
        custom_attributes: customAttributesField
          .optional()
          .describe('The complete new attribute map (replaces the current one), e.g. {"city": "Pune"}.'),
      },
      outputSchema: ContactOutputSchema.shape,
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
    },
    async ({ id, ...patch }, extra) => {
      if (patch.name === undefined && patch.tags === undefined && patch.custom_attributes === undefined) {
        return errorResult('Nothing to update: give at least one of name, tags or custom_attributes.');
      }
      try {
        const contact = toContactOutput(await client.updateContact(id, patch, { signal: extra.signal }));
        return successResult(contact, `Updated: ${formatContactLine(contact)}`);
      } catch (error) {
        return failureResult(error, {
          action: `update contact ${id}`,
          writes: true,
          notFoundHint: 'Find the right id with list_contacts (search by name or phone).',
        });
      }
    },
  );
}
