import { z } from 'zod';
import { VobizHttpError } from '../vobiz/errors.js';
import { retryRecordOf } from '../vobiz/retry.js';
import { confirmChange } from './confirm.js';
import { contactIdField } from './fields.js';
import { renderText } from '../render.js';
import { errorResult, failureResult, successResult } from './results.js';
import { defineTool } from './tool.js';

export const deleteContact = defineTool({
  name: 'delete_contact',
  title: 'Delete a contact',
  description:
    'Permanently delete one WhatsApp contact from the Vobiz account, with its tags and attributes. ' +
    'This cannot be undone: confirm the id with get_contact first. To take a contact out of a ' +
    'campaign, remove its tag with tag_contacts instead. It reads the contact first and names it; when the ' +
    'client supports it, the user is asked to confirm. "Deleted" means it was seen and is now gone.',
  input: { id: contactIdField },
  output: { id: z.string(), deleted: z.literal(true) },
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true },
  confirmArgument: () =>
    'Set true only once the user has said yes to deleting this contact. Without it nothing is deleted, ' +
    'and the answer says what to ask.',
  async run(args, { server, extra, context: { client, confirm } }) {
    const { id } = args;
    const call = client.startCall(extra.signal);
    const notFoundHint = 'It may have been deleted already; list_contacts shows the contacts that exist.';
    // Read first: the person confirming should see who goes, and only a contact seen to exist can later
    // be reported deleted by an attempt whose answer was lost.
    let who: string;
    try {
      const contact = await client.getContact(id, call);
      who = `${renderText(contact.name, { max: 80 })} (${renderText(contact.phone_number, { quote: 'unless-plain', max: 40 })})`;
    } catch (error) {
      return failureResult(error, { action: `delete contact ${id}`, writes: false, notFoundHint });
    }
    const gate = await confirmChange(server, extra, confirm, args, () => ({
      question: `Permanently delete the contact ${who}?`,
      what: `delete ${who}, id ${id}`,
    }));
    if (gate !== 'go') return gate;
    try {
      await client.deleteContact(id, call);
      return successResult({ id, deleted: true as const }, `Deleted contact ${id}: ${who}.`);
    } catch (error) {
      if (error instanceof VobizHttpError && error.status === 404) {
        // Seen a moment ago, gone now: an earlier attempt of ours whose answer was lost, or someone else.
        return retryRecordOf(error)?.earlierOutcomeUnknown
          ? successResult(
              { id, deleted: true as const },
              `Deleted contact ${id}: ${who}. (Vobiz did not confirm the first attempt, and the retry found the ` +
                'contact, seen just before, gone: the first attempt had been applied.)',
            )
          : errorResult(
              `Contact ${id} (${who}) existed when read just before the delete, but was gone when the delete ` +
                'arrived: someone else deleted it meanwhile. It no longer exists; nothing else was changed.',
            );
      }
      return failureResult(error, {
        action: `delete contact ${id}`,
        writes: true,
        repeatable: true,
        notFoundHint,
      });
    }
  },
});
