/**
 * How a contact comes back from a tool: the structured form (checked against the output schema) and
 * one compact text line a model reads — every field it needs, ids included, and nothing else.
 */
import { z } from 'zod';
import type { Contact } from '../vobiz/schemas.js';
import { boundDepth, renderJson, renderTags, renderText } from '../render.js';

export const ContactOutputSchema = z.object({
  id: z.string().describe('Contact id, for get_contact, update_contact and delete_contact.'),
  phone_number: z.string().describe('E.164 phone number.'),
  name: z.string(),
  tags: z.array(z.string()),
  custom_attributes: z.record(z.string(), z.unknown()),
  last_active_at: z.string().optional().describe('Most recent activity (RFC3339 UTC); absent if none.'),
  created_at: z.string().optional(),
  updated_at: z.string().optional(),
});
export type ContactOutput = z.infer<typeof ContactOutputSchema>;

/** Keeps the documented fields only: an upstream addition does not flood the model's context. */
export function toContactOutput(contact: Contact): ContactOutput {
  const { id, phone_number, name, tags, custom_attributes, last_active_at, created_at, updated_at } = contact;
  return {
    id,
    phone_number,
    name,
    tags,
    // Nesting beyond MAX_RENDERED_DEPTH is shown as a placeholder: deeper, no JSON.stringify on the way
    // out (the SDK's own) could write the page at all.
    custom_attributes: boundDepth(custom_attributes),
    ...(last_active_at !== undefined && { last_active_at }),
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
  if (contact.tags.length > 0) parts.push(`tags: ${renderTags(contact.tags)}`);
  if (Object.keys(contact.custom_attributes).length > 0) {
    parts.push(`attrs: ${renderJson(contact.custom_attributes)}`);
  }
  if (contact.last_active_at) {
    parts.push(`active ${renderText(contact.last_active_at, { quote: 'unless-plain' })}`);
  }
  return parts.join(' · ');
}
