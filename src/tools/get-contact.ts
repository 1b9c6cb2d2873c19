import { E164_EXAMPLE } from '../vobiz/contract.js';
import { findContactByPhone } from '../vobiz/find-contact.js';
import { ContactOutputSchema, formatContactLine, toContactOutput } from '../mcp/contact-output.js';
import { contactIdField, optional, phoneNumberField } from '../mcp/fields.js';
import { errorResult, failureResult, successResult } from '../mcp/results.js';
import { defineTool } from '../mcp/tool.js';

export const getContact = defineTool({
  name: 'get_contact',
  title: 'Get a contact',
  description:
    'Get one WhatsApp contact by id or by exact phone number (E.164, e.g. ' +
    `${E164_EXAMPLE}): name, tags, custom attributes, last activity. list_contacts searches by part of ` +
    'a name or number.',
  input: {
    id: optional(contactIdField),
    phone_number: optional(phoneNumberField).describe(
      `Exact E.164 number, e.g. "${E164_EXAMPLE}"; instead of id.`,
    ),
  },
  output: ContactOutputSchema.shape,
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  async run({ id, phone_number: phone }, { context: { client }, extra }) {
    const phone_number = phone?.e164;
    if ((id === undefined) === (phone_number === undefined)) {
      return errorResult('Give exactly one of id or phone_number.');
    }
    try {
      // One deadline for the call: a lookup by phone may read several pages.
      const call = client.startCall(extra.signal);
      const found = id
        ? await client.getContact(id, call)
        : await findContactByPhone(client, phone_number ?? '', call);
      if (!found) {
        return errorResult(`No contact has the phone number ${phone_number}. create_contact adds it.`);
      }
      const contact = toContactOutput(found);
      const warnings = phone?.rewritten ? [`phone_number read as ${phone.rewritten}`] : undefined;
      return successResult({ ...contact, ...(warnings && { warnings }) }, formatContactLine(contact));
    } catch (error) {
      return failureResult(error, {
        action: `get contact ${id ?? phone_number}`,
        writes: false,
        notFoundHint: 'Find the right id with list_contacts (search by name or phone).',
      });
    }
  },
});
