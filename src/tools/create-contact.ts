import { E164_EXAMPLE } from '../vobiz/contract.js';
import { createContactOnce } from '../vobiz/create-once.js';
import { retryRecordOf } from '../vobiz/retry.js';
import { ContactOutputSchema, formatContactLine, toContactOutput } from '../mcp/contact-output.js';
import { customAttributesField, nameField, optional, phoneNumberField, tagsField } from '../mcp/fields.js';
import { describeCause, errorResult, failureResult, successResult } from '../mcp/results.js';
import { defineTool } from '../mcp/tool.js';

export const createContact = defineTool({
  name: 'create_contact',
  title: 'Create a contact',
  description:
    `Create one WhatsApp contact. The phone number (E.164, e.g. ${E164_EXAMPLE}) is unique per ` +
    'account: get_contact with phone_number tells whether it exists. Returns the new contact with its ' +
    'id. A lost answer is checked by number before a retry, so no contact is created twice. For many ' +
    'contacts: import_contacts_csv.',
  input: {
    phone_number: phoneNumberField,
    name: nameField,
    tags: optional(tagsField),
    custom_attributes: optional(customAttributesField),
  },
  output: ContactOutputSchema.shape,
  // Not idempotent: the same call again is refused (the number is taken), not answered as the first.
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  async run(args, { context: { client }, extra }) {
    const number = args.phone_number.e164;
    const rewritten = args.phone_number.rewritten && `phone_number stored as ${args.phone_number.rewritten}`;
    const outcome = await createContactOnce(
      client,
      { ...args, phone_number: number },
      client.startCall(extra.signal),
    );
    switch (outcome.kind) {
      case 'created': {
        const contact = toContactOutput(outcome.contact);
        const { rangeWarning } = await import('../vobiz/phone.js');
        const warnings = [rewritten, rangeWarning(contact.phone_number)].filter((w) => w !== undefined);
        const note =
          outcome.confirmedBy === 'lookup'
            ? ` (Vobiz did not confirm the first attempt — ${describeCause(outcome.cause)} — but a lookup found ` +
              'the contact as sent, created during this call: the first attempt had been applied, and nothing was created twice.)'
            : '';
        return successResult(
          { ...contact, ...(warnings.length > 0 && { warnings }) },
          `Created: ${formatContactLine(contact)}${note}`,
        );
      }
      case 'existed': {
        const existing = toContactOutput(outcome.contact);
        return errorResult(
          `Not created: a contact with ${number} already existed before this call — ${formatContactLine(existing)} ` +
            `(the create got ${describeCause(outcome.cause)}, and a lookup found this contact, created ` +
            'earlier or not as sent). Nothing was changed. Use update_contact with its id to change it.',
        );
      }
      case 'unclear': {
        const contact = toContactOutput(outcome.contact);
        return successResult(
          { ...contact, ...(rewritten && { warnings: [rewritten] }) },
          `The contact exists as sent: ${formatContactLine(contact)}. Whether this call created it or it ` +
            `existed already cannot be told: the create got ${describeCause(outcome.cause)}, and Vobiz gave no ` +
            'creation time to compare. Nothing was created twice.',
        );
      }
      case 'failed':
        return failureResult(outcome.error, {
          action: `create the contact ${number}`,
          writes: true,
          verifiedUnchanged: retryRecordOf(outcome.error)?.verifiedNotApplied ?? false,
        });
      case 'taken':
        // Never "nothing was changed": the first attempt may well be what took the number.
        return errorResult(
          `The contact ${number} exists now, but this call cannot show who created it: the first attempt got ` +
            `${describeCause(outcome.cause)} (it may have been applied), and the retry was refused because the number ` +
            `is taken (${describeCause(outcome.conflict)}). Most likely the first attempt created it; someone else may have. ` +
            `The contact could not be read${outcome.lookupError === undefined ? '' : ` (${describeCause(outcome.lookupError)})`}: ` +
            `check it with get_contact (phone_number "${number}") before changing it, and do not create it again.`,
        );
      case 'lookup_failed':
        return errorResult(
          `Could not tell whether the contact ${number} was created: the create got ` +
            `${describeCause(outcome.error)}, and the lookup by phone number that should have told failed (` +
            `${describeCause(outcome.lookupError)}). The outcome is unknown: before calling create_contact ` +
            `again, check with get_contact (phone_number "${number}") whether the contact exists.`,
        );
    }
  },
});
