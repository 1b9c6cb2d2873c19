/**
 * The `where` argument of list_contacts, tag_contacts and list_tags — one segment filter, read the same
 * tolerant way as every other field (fields.ts' readers: JSON text for the object or a list, `"true"`,
 * null for "not given") — and `max_scan`, which bounds the scan it needs. Described once, here, and
 * tightly: the description travels in three tools' schemas.
 */
import { z } from 'zod';
import {
  contradiction,
  parseTimePoint,
  SEGMENT_FIELDS,
  type AttributeValue,
  type Segment,
} from '../bulk/segment.js';
import { clipValue } from '../vobiz/contact-rules.js';
import {
  booleanField,
  integerField,
  listOfText,
  objectField,
  optional,
  stringListField,
  tagListField,
  withDefault,
} from './fields.js';

/** Longest text value an attribute condition compares with. */
const MAX_ATTRIBUTE_TEXT = 1_000;
/** Most values of one "one of" condition. */
const MAX_ONE_OF = 100;
/** Most attributes one filter names: a bound on what a model sends, not an account limit. */
const MAX_FILTER_ATTRIBUTES = 100;

const DEFAULT_MAX_SCAN = 20_000;
const MAX_MAX_SCAN = 1_000_000;

const shown = (value: unknown) => JSON.stringify(typeof value === 'string' ? clipValue(value, 40) : value);

/** An age or an ISO date, kept in its canonical text ("2 weeks" → "2w"). */
const timeField = (field: string) =>
  z
    .unknown()
    .meta({ type: 'string' })
    .transform((value, ctx) => {
      const point = typeof value === 'string' ? parseTimePoint(value) : undefined;
      if (point) return point.text;
      const unitless = typeof value === 'number' || (typeof value === 'string' && /^\s*\d+\s*$/.test(value));
      ctx.addIssue({
        code: 'custom',
        message: `${field} ${shown(value)} is ${unitless ? 'an age without a unit' : 'neither an age nor a date'}: give an age such as "7d", "2w" or "12h", or an ISO date such as "2026-01-31"`,
      });
      return z.NEVER;
    });

function checkAttributeKey(key: string, field: string): string | undefined {
  return key.trim() === '' ? `${field} names an empty key` : undefined;
}

function isAttributeValue(value: unknown): value is AttributeValue {
  return (
    (typeof value === 'string' && value.length <= MAX_ATTRIBUTE_TEXT) ||
    (typeof value === 'number' && Number.isFinite(value)) ||
    typeof value === 'boolean'
  );
}

/** `{"city": "Mumbai"}` or `{"city": ["Mumbai", "Pune"]}`: each key equals the value, or one of them. */
const attributesField = objectField(
  z
    .unknown()
    .meta({ type: 'object' })
    .transform((value, ctx) => {
      const problem = (message: string) => {
        ctx.addIssue({ code: 'custom', message });
        return z.NEVER;
      };
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        return problem(
          'attributes must be an object such as {"city": "Mumbai"} or {"city": ["Mumbai", "Pune"]}',
        );
      }
      const entries = Object.entries(value);
      if (entries.length === 0) return problem('attributes must name at least one attribute');
      if (entries.length > MAX_FILTER_ATTRIBUTES) {
        return problem(`attributes names ${entries.length} attributes (at most ${MAX_FILTER_ATTRIBUTES})`);
      }
      const read: Record<string, AttributeValue | AttributeValue[]> = {};
      for (const [key, wanted] of entries) {
        const keyProblem = checkAttributeKey(key, 'attributes');
        if (keyProblem) return problem(keyProblem);
        const values = Array.isArray(wanted) ? wanted : [wanted];
        if (wanted === null) {
          return problem(
            `attributes ${shown(key)} is null: to find contacts without it, use missing_attributes`,
          );
        }
        if (values.length === 0 || values.length > MAX_ONE_OF || !values.every(isAttributeValue)) {
          return problem(
            `attributes ${shown(key)} must be a text, number or boolean, or a list of 1 to ${MAX_ONE_OF} of them (texts up to ${MAX_ATTRIBUTE_TEXT} characters)`,
          );
        }
        Object.defineProperty(read, key, {
          value: wanted,
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      return read;
    }),
);

const attributeKeysField = listOfText.pipe(
  stringListField(MAX_FILTER_ATTRIBUTES).superRefine((keys, ctx) => {
    for (const key of keys) {
      const message = checkAttributeKey(key, 'missing_attributes');
      if (message) ctx.addIssue({ code: 'custom', message });
    }
  }),
);
const tagsField = (field: string) => listOfText.pipe(tagListField(field));

const FIELD_LIST = SEGMENT_FIELDS.join(', ');

const segmentShape = {
  attributes: optional(attributesField),
  missing_attributes: optional(attributeKeysField),
  created_after: optional(timeField('created_after')),
  created_before: optional(timeField('created_before')),
  inactive_for: optional(timeField('inactive_for')),
  active_within: optional(timeField('active_within')),
  tags_all: optional(tagsField('tags_all')),
  tags_any: optional(tagsField('tags_any')),
  tags_none: optional(tagsField('tags_none')),
  untagged: optional(booleanField),
} satisfies Record<(typeof SEGMENT_FIELDS)[number], z.ZodType>;

export const WHERE_DESCRIPTION =
  'Segment filter, all must hold. attributes: {"city":"Mumbai"} or {"city":["Mumbai","Pune"]}, any ' +
  'case. created_*, active_within, inactive_for (also matches no activity): an age ("7d", "2w", ' +
  '"12h") or ISO date.';

/** `where`: a Segment as read, its conditions checked together (a filter that can match nothing is refused). */
export const whereField = objectField(
  z.strictObject(segmentShape, {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? `where has no ${issue.keys.length === 1 ? 'field' : 'fields'} ${issue.keys.slice(0, 5).map(shown).join(', ')}; its fields are ${FIELD_LIST}`
        : issue.code === 'invalid_type'
          ? 'where must be an object such as {"untagged": true} or {"attributes": {"city": "Mumbai"}}'
          : undefined,
  }),
)
  .transform((read, ctx): Segment => {
    const segment = Object.fromEntries(Object.entries(read).filter(([, v]) => v !== undefined)) as Segment;
    const problem = contradiction(segment, Date.now());
    if (problem) {
      ctx.addIssue({ code: 'custom', message: `where can match no contact: ${problem}` });
      return z.NEVER;
    }
    return segment;
  })
  .describe(WHERE_DESCRIPTION);

/** `max_scan`: how many contacts one call may read to evaluate a filter. */
export function maxScanField(description: string) {
  return withDefault(integerField(1, MAX_MAX_SCAN), DEFAULT_MAX_SCAN).describe(description);
}
