import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { confirmArgument, confirmChange } from './confirm.js';
import type { ToolContext } from './context.js';
import { contactIdField } from './fields.js';
import { failureResult, successResult } from './results.js';

export const DELETE_CONTACT = 'delete_contact';

export function registerDeleteContact(server: McpServer, { client, confirm }: ToolContext): void {
  server.registerTool(
    DELETE_CONTACT,
    {
      title: 'Delete a contact',
      description:
        'Permanently delete one WhatsApp contact from the Vobiz account, with its tags and attributes. ' +
        'This cannot be undone: confirm the id with get_contact first. To take a contact out of a ' +
        'campaign, remove its tag with tag_contacts instead. When the client supports it, the user is ' +
        'asked to confirm first.',
      inputSchema: {
        id: contactIdField,
        ...confirmArgument(
          confirm,
          'Set true only once the user has said yes to deleting this contact. Without it nothing is deleted, and the answer says what to ask.',
        ),
      },
      outputSchema: {
        id: z.string(),
        deleted: z.literal(true),
      },
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true },
    },
    async ({ id, confirm: confirmed }, extra) => {
      try {
        const gate = await confirmChange(server, extra, confirm, confirmed, async () => {
          // The person confirming should see who goes, not an opaque id.
          const contact = await client.getContact(id, { signal: extra.signal });
          const name = JSON.stringify(contact.name);
          return {
            question: `Permanently delete the contact ${name} (${contact.phone_number})?`,
            what: `delete ${name} (${id})`,
          };
        });
        if (gate !== 'go') return gate;
        const { deletedByEarlierAttempt } = await client.deleteContact(id, { signal: extra.signal });
        return successResult(
          { id, deleted: true as const },
          deletedByEarlierAttempt
            ? `Deleted contact ${id}. (Vobiz did not confirm the first attempt, and the retry found the contact ` +
                'gone: the first attempt had been applied.)'
            : `Deleted contact ${id}.`,
        );
      } catch (error) {
        return failureResult(error, {
          action: `delete contact ${id}`,
          writes: true,
          repeatable: true,
          notFoundHint: 'It may have been deleted already; list_contacts shows the contacts that exist.',
        });
      }
    },
  );
}
