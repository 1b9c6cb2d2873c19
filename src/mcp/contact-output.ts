/**
 * How a contact comes back from a tool: the structured form (checked against the output schema) and
 * one compact text line a model reads — every field it needs, ids included, and nothing else. Both say
 * the same: a client that gives the model the structured form costs it no more than the text.
 */
import { z } from 'zod';
import type { Contact } from '../vobiz/schemas.js';
import { boundDepth, renderJson, renderTags, renderText } from '../render.js';
import { tableSchema, toTable } from './table.js';

export const ContactOutputSchema = z.object({
  id: z.string().describe('Contact id, for get_contact, update_contact and delete_contact.'),
  phone_number: z.string().describe('E.164 phone number.'),
  name: z.string(),
  tags: z.array(z.string()).optional().describe('Absent: no tags.'),
  custom_attributes: z.record(z.string(), z.unknown()).optional().describe('Absent: none.'),
  last_active_at: z.string().optional().describe('Most recent activity (RFC3339 UTC); absent if none.'),
});
export type ContactOutput = z.infer<typeof ContactOutputSchema>;

/** The columns of a table of contacts, in order: the ones most often empty last, where a row ends early. */
const CONTACT_COLUMNS = [
  'id',
  'phone_number',
  'name',
  'tags',
  'custom_attributes',
  'last_active_at',
] as const;

/** A page of contacts in a structured result (table.ts): what a text line shows of each, and no more. */
export const ContactTableSchema = tableSchema(
  ContactOutputSchema,
  [z.string(), z.array(z.string()), z.record(z.string(), z.unknown())],
  'contact',
);
export type ContactTable = z.infer<typeof ContactTableSchema>;

export function toContactTable(contacts: readonly ContactOutput[]): ContactTable {
  return toTable(CONTACT_COLUMNS, contacts);
}

/**
 * The fields a tool result shows of a contact, the same ones its text line shows: the creation and
 * update times are left out (the text does not show them; the contact resource has them), and so are
 * empty tags and attributes. An upstream addition does not flood the model's context either.
 */
export function toContactOutput(contact: Contact): ContactOutput {
  const { id, phone_number, name, tags, custom_attributes, last_active_at } = contact;
  return {
    id,
    phone_number,
    name,
    ...(tags.length > 0 && { tags }),
    // Nesting beyond MAX_RENDERED_DEPTH is shown as a placeholder: deeper, no JSON.stringify on the way
    // out (the SDK's own) could write the page at all.
    ...(Object.keys(custom_attributes).length > 0 && { custom_attributes: boundDepth(custom_attributes) }),
    ...(last_active_at !== undefined && { last_active_at }),
  };
}

/** Every documented field of a contact, timestamps included: what the contact resource reads as JSON. */
export function toContactRecord(
  contact: Contact,
): ContactOutput & { created_at?: string; updated_at?: string } {
  const { created_at, updated_at } = contact;
  return {
    ...toContactOutput(contact),
    tags: contact.tags,
    custom_attributes: boundDepth(contact.custom_attributes),
    ...(created_at !== undefined && { created_at }),
    ...(updated_at !== undefined && { updated_at }),
  };
}

/**
 * `id · +919876543210 · "Rahul Sharma" · tags: vip,enterprise · attrs: {"city":"Mumbai"} · active 2025-…`
 * Every value from the account goes through render.ts, so that text containing a separator or a newline
 * cannot forge another field or line. Even the id and phone number: the upstream chose them.
 */
export function formatContactLine(contact: ContactOutput): string {
  const parts = [
    renderText(contact.id, { quote: 'unless-plain' }),
    renderText(contact.phone_number, { quote: 'unless-plain' }),
    renderText(contact.name),
  ];
  if (contact.tags && contact.tags.length > 0) parts.push(`tags: ${renderTags(contact.tags)}`);
  if (contact.custom_attributes && Object.keys(contact.custom_attributes).length > 0) {
    parts.push(`attrs: ${renderJson(contact.custom_attributes)}`);
  }
  if (contact.last_active_at) {
    parts.push(`active ${renderText(contact.last_active_at, { quote: 'unless-plain' })}`);
  }
  return parts.join(' · ');
}
