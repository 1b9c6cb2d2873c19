import { ContactOutputSchema, formatContactLine, toContactOutput } from '../mcp/contact-output.js';
import { contactIdField, customAttributesField, nameField, optional, tagsField } from '../mcp/fields.js';
import { errorResult, failureResult, successResult } from '../mcp/results.js';
import { defineTool } from '../mcp/tool.js';

export const updateContact = defineTool({
  name: 'update_contact',
  title: 'Update a contact',
  description:
    "Change a contact's name, tags and/or custom attributes; fields left out stay. `tags` replaces the " +
    'whole tag list and `custom_attributes` the whole map: to add or remove one tag and keep the rest, ' +
    'use tag_contacts. The phone number cannot change. Returns the updated contact.',
  input: {
    id: contactIdField,
    name: optional(nameField),
    tags: optional(tagsField).describe('The new complete tag list, e.g. ["vip"].'),
    custom_attributes: optional(customAttributesField).describe(
      'The new complete attribute map, e.g. {"city": "Pune"}.',
    ),
  },
  output: ContactOutputSchema.shape,
  // Destructive: it replaces the name, the tag list and the attribute map, and what they held is lost.
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true },
  async run({ id, name, tags, custom_attributes }, { context: { client }, extra }) {
    const patch = {
      ...(name !== undefined && { name }),
      ...(tags !== undefined && { tags }),
      ...(custom_attributes !== undefined && { custom_attributes }),
    };
    if (Object.keys(patch).length === 0) {
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
});
