/**
 * Input fields shared by several tools, each with the description a model reads and the bounds of the
 * contract, so that every tool words and checks the same field the same way.
 */
import { z } from 'zod';
import {
  CONTACT_ID_PATTERN,
  E164_EXAMPLE,
  MAX_CUSTOM_ATTRIBUTES,
  MAX_CUSTOM_ATTRIBUTE_KEY_LENGTH,
  MAX_NAME_LENGTH,
  MAX_TAGS_PER_CONTACT,
  MAX_TAG_LENGTH,
} from '../vobiz/contract.js';
import { toE164 } from '../vobiz/phone.js';

/**
 * Some MCP clients send arrays and objects as JSON text (`"[\"vip\"]"`). Such text is parsed before
 * validation; the value must then still pass the same schema, so nothing invalid gets through.
 */
export function acceptJsonText<T extends z.ZodType>(schema: T) {
  return z.preprocess((value) => {
    if (typeof value !== 'string' || !/^\s*[[{]/.test(value)) return value;
    try {
      return JSON.parse(value) as unknown;
    } catch {
      return value;
    }
  }, schema);
}

export const contactIdField = z
  .string()
  .regex(CONTACT_ID_PATTERN, {
    error: 'id must be a contact id as returned by list_contacts (letters, digits, "-" or "_"), e.g. a UUID',
  })
  .describe(
    'The contact id, as returned by list_contacts or create_contact (a UUID such as "3f1c2a9e-8b7d-4c1e-9f0a-2b6d8e4c7a51").',
  );

export const phoneNumberField = z
  .string()
  .max(64, { error: 'phone_number is too long to be a phone number' })
  .transform((raw, ctx) => {
    const checked = toE164(raw);
    if (!checked.ok) {
      ctx.addIssue({ code: 'custom', message: checked.reason });
      return z.NEVER;
    }
    return checked.e164;
  })
  .describe(`Phone number in E.164 format: "+", country code, number, no spaces, e.g. "${E164_EXAMPLE}".`);

export const nameField = z
  .string()
  .trim()
  .min(1, { error: 'name must not be empty' })
  .max(MAX_NAME_LENGTH, { error: `name must be at most ${MAX_NAME_LENGTH} characters` })
  .describe('The contact\'s display name, e.g. "Rahul Sharma".');

const tagField = z
  .string()
  .trim()
  .min(1, { error: 'a tag must not be empty' })
  .max(MAX_TAG_LENGTH, { error: `a tag must be at most ${MAX_TAG_LENGTH} characters` });

export const tagListField = z
  .array(tagField)
  .max(MAX_TAGS_PER_CONTACT, { error: `at most ${MAX_TAGS_PER_CONTACT} tags per contact` })
  .transform((tags) => [...new Set(tags)]);

export const tagsField = acceptJsonText(tagListField).describe(
  'Tags for campaign targeting, e.g. ["vip", "newsletter"]. Duplicates are dropped.',
);

export const customAttributesField = acceptJsonText(
  z
    .record(z.string(), z.unknown())
    // Keys and values are checked here, not by a key or value schema: zod would put the key into the
    // error's path, and a 10 kB key would come back whole into the model's context. These messages clip it.
    .superRefine((attrs, ctx) => {
      const keys = Object.keys(attrs);
      if (keys.length > MAX_CUSTOM_ATTRIBUTES) {
        ctx.addIssue({ code: 'custom', message: `at most ${MAX_CUSTOM_ATTRIBUTES} custom attributes` });
      }
      for (const key of keys) {
        const problem = customAttributeProblem(key, attrs[key]);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      }
    })
    // What the checks above enforce, stated in the JSON Schema a model reads.
    .meta({
      propertyNames: { type: 'string', minLength: 1, maxLength: MAX_CUSTOM_ATTRIBUTE_KEY_LENGTH },
      additionalProperties: { type: ['string', 'number', 'boolean', 'null'] },
    }) as z.ZodType<Record<string, AttributeValue>>,
).describe(
  'Key/value metadata with string, number, boolean or null values, e.g. {"city": "Mumbai", "plan": "pro"}.',
);

/** What a custom attribute value may be. */
export type AttributeValue = string | number | boolean | null;

function customAttributeProblem(key: string, value: unknown): string | undefined {
  const shown = key.length > 40 ? `${JSON.stringify(key.slice(0, 40))}…` : JSON.stringify(key);
  if (key.length === 0) return 'custom_attributes keys must not be empty';
  if (key.length > MAX_CUSTOM_ATTRIBUTE_KEY_LENGTH) {
    return `custom_attributes key ${shown} is longer than ${MAX_CUSTOM_ATTRIBUTE_KEY_LENGTH} characters`;
  }
  // These keys would reach Object.prototype in naive consumers downstream; no real attribute needs them.
  if (['__proto__', 'constructor', 'prototype'].includes(key)) {
    return 'custom_attributes keys "__proto__", "constructor" and "prototype" are not allowed';
  }
  if (value !== null && !['string', 'number', 'boolean'].includes(typeof value)) {
    return `custom_attributes ${shown} must be a string, number, boolean or null`;
  }
  return undefined;
}
