/**
 * The tools' input fields: how each is read from what a model sends, checked, and described. The rules
 * are the contact rules the sandbox enforces too (vobiz/contact-rules.ts, vobiz/phone.ts); this module
 * adds only the reading and the words a model reads.
 *
 * Reading is tolerant here, in one place, because real clients send arguments in every shape:
 * - `null` is "not given" for every optional field (strict tool schemas send null for each field a model
 *   leaves out);
 * - numbers and booleans may come as strings (`"5"`, `"true"`);
 * - a list may come as JSON text (`"[\"vip\"]"`) or a comma-separated string (`"vip, expo"`), an object as
 *   JSON text.
 * What is read must then pass the same checks, so nothing invalid gets through; the schema a client is
 * shown stays the precise one (a preprocess is advertised as the type it produces).
 */
import { z } from 'zod';
import {
  checkContactId,
  checkCustomAttributes,
  checkName,
  checkSearch,
  checkTag,
  checkTags,
  FIELD_ERROR_CODES,
  nestedDeeperThan,
  type FieldProblem,
} from '../vobiz/contact-rules.js';
import { E164_EXAMPLE } from '../vobiz/contract.js';

// ---- Reading ---------------------------------------------------------------------------------------

/** An optional field: `null` is read as not given. */
export function optional<T extends z.ZodType>(schema: T) {
  return z.preprocess((value) => (value === null ? undefined : value), schema.optional()).optional();
}

/**
 * A field with a default: `null` (or nothing) gives the default. A prefault, not a default: it goes in
 * as input, and zod advertises it as the JSON Schema `default` even where reading transforms the value.
 */
export function withDefault<T extends z.ZodType>(schema: T, value: z.input<T>) {
  return z.preprocess((given) => (given === null ? undefined : given), schema.prefault(value));
}

/** `"5"` → 5; anything else as it came, for the schema to judge. */
function readInteger(value: unknown): unknown {
  return typeof value === 'string' && /^\s*[+-]?\d+\s*$/.test(value) ? Number(value) : value;
}

/** `"true"` / `"false"` (any case) → the boolean. */
export function readBoolean(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const word = value.trim().toLowerCase();
  return word === 'true' ? true : word === 'false' ? false : value;
}

/** A list as JSON text or as `"a, b"`; a JSON array as it is. */
function readList(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  if (/^\s*\[/.test(value)) return parseJsonOr(value);
  return value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

/** An object as JSON text; an object as it is. */
function readObject(value: unknown): unknown {
  return typeof value === 'string' && /^\s*\{/.test(value) ? parseJsonOr(value) : value;
}

/** A number where text belongs (`search: 98765`) is read as its digits. */
function readText(value: unknown): unknown {
  return typeof value === 'number' && Number.isFinite(value) ? String(value) : value;
}

function parseJsonOr(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text; // left for the schema to refuse with its own message
  }
}

/** An integer field in [min, max], read from a number or its digits. */
export function integerField(min: number, max: number) {
  return z.preprocess(readInteger, z.number().int().min(min).max(max));
}

export const booleanField = z.preprocess(readBoolean, z.boolean());

/** An object field, read from an object or its JSON text. */
export function objectField<T extends z.ZodType>(schema: T) {
  return z.preprocess(readObject, schema);
}

/**
 * A list of strings as a schema advertises it where every byte is read by every model (`where`, the
 * columns of an import): the type alone; the field it pipes into checks the rest.
 */
export const listOfText = z.unknown().meta({ type: 'array', items: { type: 'string' } });

/** A list of strings, read from a list, JSON text or a comma-separated string. */
export function stringListField(maxItems: number) {
  return z.preprocess(readList, z.array(z.string().min(1)).min(1).max(maxItems));
}

/**
 * A field checked by one of the contact rules: the rule's messages are the errors, its value (trimmed,
 * de-duplicated) what the handler gets. `shape` is what the schema advertises (the rule is the judge).
 */
function byRule<T>(
  base: z.ZodType,
  read: (value: unknown) => unknown,
  rule: (value: unknown, problems: FieldProblem[], field: string) => T | undefined,
  field: string,
) {
  return z.preprocess(
    read,
    base.transform((value, ctx): T => {
      const problems: FieldProblem[] = [];
      const checked = rule(value, problems, field);
      for (const problem of problems) ctx.addIssue({ code: 'custom', message: problem.message });
      // undefined without a problem: the rule read the value as "no value" (an empty search).
      return problems.length > 0 ? z.NEVER : (checked as T);
    }),
  );
}

// ---- Fields ----------------------------------------------------------------------------------------

// Contact ids are advertised as plain strings: a model copies them from a result, and the pattern (checked
// here) would cost every tool list 35 bytes an id field for nothing it helps the model with.
export const contactIdField = byRule(z.string(), readText, checkContactId, 'id').describe(
  'The contact id, from list_contacts or create_contact.',
);

/** A phone number as a tool gets it: E.164, and what was dropped to get there, for a warning. */
export interface PhoneNumberArgument {
  e164: string;
  /** Set when digits were dropped (a trunk prefix after the country code), e.g. `"+44 (0)20…" → +4420…`. */
  rewritten?: string;
}

/**
 * A phone number, normalised to E.164 (separators dropped, `00` read as `+`, a trunk prefix after the
 * country code dropped). The phone rules load with the first number checked, not at start-up: they bring
 * libphonenumber's metadata.
 */
export const phoneNumberField = z
  .preprocess(
    readText,
    z
      .string()
      .max(64, { error: 'phone_number is too long to be a phone number' })
      .transform(async (raw, ctx): Promise<PhoneNumberArgument> => {
        const { checkPhoneNumber } = await import('../vobiz/phone.js');
        const checked = checkPhoneNumber(raw, { normalise: true });
        if (checked.ok)
          return { e164: checked.e164, ...(checked.rewritten && { rewritten: checked.rewritten }) };
        ctx.addIssue({ code: 'custom', message: checked.reason });
        return z.NEVER;
      }),
  )
  .describe(`E.164: "+", country code, number, e.g. "${E164_EXAMPLE}".`);

export const nameField = byRule(z.string().meta({ minLength: 1 }), readText, checkName, 'name').describe(
  'Display name, e.g. "Rahul Sharma".',
);

/** A list of tags, e.g. `add` of tag_contacts: trimmed, de-duplicated, none empty. */
export function tagListField(field: string) {
  return byRule(z.array(z.string().meta({ minLength: 1 })), readList, checkTags, field);
}

export const tagsField = tagListField('tags').describe(
  'Tags for campaign targeting, e.g. ["vip", "newsletter"].',
);

/** One tag, as a filter: contacts carrying exactly this tag. Empty means no filter, as for the API. */
export const tagFilterField = byRule(
  z.string(),
  readText,
  (value, problems, field) => (String(value).trim() === '' ? undefined : checkTag(value, problems, field)),
  'tag',
);

/** A search text over names and phone numbers. Empty means no filter, as for the API. */
export const searchField = byRule(
  z.string(),
  readText,
  (value, problems, field) => checkSearch(String(value), problems, field),
  'search',
);

/** A list of contact ids. */
export function contactIdListField(maxItems: number) {
  return byRule(
    z.array(z.string()).meta({ minItems: 1, maxItems }),
    readList,
    (value, problems, field) => {
      if (!Array.isArray(value) || value.length === 0 || value.length > maxItems) {
        const message = `${field} must list 1 to ${maxItems} contact ids`;
        problems.push({ field, message, code: FIELD_ERROR_CODES.invalidType, value: null });
        return undefined;
      }
      const ids = value.map((id: unknown, index) => checkContactId(id, problems, `${field}[${index}]`));
      return problems.length === 0 ? (ids as string[]) : undefined;
    },
    'ids',
  );
}

/**
 * Deepest custom_attributes this server can send: JSON.stringify recurses, and overflows the stack a few
 * thousand levels down. Not an API limit (none is documented), and far beyond what real attributes hold.
 */
const MAX_SENT_ATTRIBUTE_DEPTH = 1_000;

/**
 * Custom attributes: any JSON values. The keys are checked on the value as sent — a `__proto__` key is an
 * error that names it, never dropped.
 */
export const customAttributesField = byRule(
  z.unknown().meta({ type: 'object', additionalProperties: {} }),
  readObject,
  (value, problems, field) => {
    if (nestedDeeperThan(value, MAX_SENT_ATTRIBUTE_DEPTH)) {
      const message = `${field} nest deeper than ${MAX_SENT_ATTRIBUTE_DEPTH} levels, more than this server can send`;
      problems.push({ field, message, code: FIELD_ERROR_CODES.tooDeep, value: null });
      return undefined;
    }
    return checkCustomAttributes(value, problems, field);
  },
  'custom_attributes',
).describe('Key/value data, e.g. {"city": "Mumbai", "plan": "pro"}.');
