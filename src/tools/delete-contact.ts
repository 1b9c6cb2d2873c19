import { z } from 'zod';
import { isNotFound } from '../bulk/retag.js';
import { retryRecordOf } from '../vobiz/retry.js';
import { approvalOutput } from '../mcp/approval.js';
import { bindingArgs, confirmChange } from '../mcp/confirm.js';
import { ContactOutputSchema, toContactOutput } from '../mcp/contact-output.js';
import { REVIEWED_TOOL_UI } from '../review/review-app.js';
import type { Contact } from '../vobiz/schemas.js';
import { contactIdField } from '../mcp/fields.js';
import { renderText } from '../render.js';
import { failureResult, successResult } from '../mcp/results.js';
import { defineTool } from '../mcp/tool.js';

/** What a call found: whether it deleted the contact; either way, no contact has the id now. */
const output = {
  id: z.string(),
  deleted: z
    .boolean()
    .describe(
      'true: this call deleted it. false: no contact had this id (deleted before, or a wrong id), or ' +
        'the delete waits for the user’s yes (then `approval` is set).',
    ),
  contact: ContactOutputSchema.optional().describe(
    'When the delete waits for the user’s yes: the contact it would delete.',
  ),
  approval: approvalOutput.optional(),
};

/**
 * Idempotent, and answered as such: a repeat finds no contact with the id, and says so without isError —
 * the contact is gone, which is what the call asks for. It never claims to have deleted what it did not.
 */
export const deleteContact = defineTool({
  name: 'delete_contact',
  title: 'Delete a contact',
  description:
    'Permanently delete one contact with its tags and attributes. To take a contact out of a ' +
    'campaign, remove its tag with tag_contacts instead. It names the contact and asks the user to ' +
    'confirm where the client can. A contact already gone answers deleted: false.',
  input: { id: contactIdField },
  output,
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true },
  ui: REVIEWED_TOOL_UI,
  approvalArgument: () =>
    'approval.token of the answer that refused this delete, sent only once the user has agreed to ' +
    'delete this contact. Without it nothing is deleted, and the answer says what to ask.',
  async run(args, toolCall) {
    const { extra, context } = toolCall;
    const { client } = context;
    const { id } = args;
    const call = client.startCall(extra.signal);
    const shownId = renderText(id, { quote: 'unless-plain', max: 128 });
    // Read first: the person confirming should see who goes, and only a contact seen to exist can later
    // be reported deleted by an attempt whose answer was lost.
    let who: string;
    let seen: Contact;
    try {
      seen = await client.getContact(id, call);
      const contact = seen;
      who = `${renderText(contact.name, { max: 80 })} (${renderText(contact.phone_number, { quote: 'unless-plain', max: 40 })})`;
    } catch (error) {
      if (isNotFound(error)) {
        return successResult(
          { id, deleted: false },
          `No contact has the id ${shownId}: nothing to delete, and nothing was changed. It was deleted ` +
            'before, or the id is wrong (list_contacts shows the contacts that exist).',
        );
      }
      return failureResult(error, { action: `delete contact ${id}`, writes: false });
    }
    const gate = await confirmChange(toolCall, args, () => ({
      question: `Permanently delete the contact ${who}?`,
      what: `delete ${who}, id ${id}`,
      // The contact as the person saw it: renamed or renumbered since, it is asked about again.
      binding: {
        tool: 'delete_contact',
        account: client.account,
        args: bindingArgs(args),
        selection: [id],
        counts: { contacts: 1 },
        shown: who,
      },
    }));
    if (gate !== 'go') {
      // A refusal shows whom the approval it carries would delete (the review view reads it).
      return 'structuredContent' in gate && gate.structuredContent
        ? {
            ...gate,
            structuredContent: {
              id,
              deleted: false,
              contact: toContactOutput(seen),
              ...gate.structuredContent,
            },
          }
        : gate;
    }
    try {
      await client.deleteContact(id, call);
      return successResult({ id, deleted: true }, `Deleted contact ${shownId}: ${who}.`);
    } catch (error) {
      if (isNotFound(error)) {
        // Seen a moment ago, gone now: an earlier attempt of ours whose answer was lost, or someone else.
        return retryRecordOf(error)?.earlierOutcomeUnknown
          ? successResult(
              { id, deleted: true },
              `Deleted contact ${shownId}: ${who}. (Vobiz did not confirm the first attempt, and the retry found the ` +
                'contact, seen just before, gone: the first attempt had been applied.)',
            )
          : successResult(
              { id, deleted: false },
              `Contact ${shownId} (${who}) existed when read just before the delete, but was gone when the delete ` +
                'arrived: someone else deleted it meanwhile. It no longer exists; this call changed nothing.',
            );
      }
      return failureResult(error, {
        action: `delete contact ${id}`,
        writes: true,
        repeatable: true,
        notFoundHint: 'list_contacts shows the contacts that exist.',
      });
    }
  },
});
