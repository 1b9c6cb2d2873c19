/**
 * The field rules of a contact — what the API accepts in each field — written once and used by all three
 * that need them: the tools (through mcp/fields.ts, which adds argument reading and descriptions), the
 * CSV checker (a row is refused here only if the API would refuse it), and the sandbox (which answers 422
 * with these messages and codes); phone numbers are phone.ts's. A check pushes what is wrong into
 * `problems` and returns the value as the API would store it, so one pass reports every problem at once.
 *
 * Lengths and counts are not documented: a check applies them only when given `limits`, which only the
 * sandbox passes (contract.ts: SANDBOX_FIELD_LIMITS). The client refuses what the docs refuse, no more.
 */
import { CONTACT_ID_PATTERN, CSV_TAG_SEPARATOR, RESERVED_ATTRIBUTE_KEYS } from './contract.js';

/** Length and count limits a check applies; a limit left out is not checked. */
export interface FieldLimits {
  readonly name?: number;
  readonly tag?: number;
  readonly tagsPerContact?: number;
  readonly customAttributes?: number;
  /** Also makes an empty (or blank) key an error. */
  readonly customAttributeKey?: number;
  /** Deepest nesting of the attributes object (it counts 1). */
  readonly customAttributesDepth?: number;
  readonly search?: number;
}

/** The documented rules only: what the client checks. */
export const DOCUMENTED_LIMITS: FieldLimits = {};

/** The `details.errors[].code` values of a 422 (contract.ts: [assumed]). */
export const FIELD_ERROR_CODES = {
  required: 'required',
  invalidType: 'invalid_type',
  invalidFormat: 'invalid_format',
  tooLong: 'too_long',
  tooMany: 'too_many',
  empty: 'empty',
  notUpdatable: 'not_updatable',
  unknownField: 'unknown_field',
  noChanges: 'no_changes',
  outOfRange: 'out_of_range',
  reservedKey: 'reserved_key',
  tooDeep: 'too_deep',
} as const;
export type FieldErrorCode = (typeof FIELD_ERROR_CODES)[keyof typeof FIELD_ERROR_CODES];

/** One broken field: which, why (a sentence a model or a person can act on), a stable code, the value. */
export interface FieldProblem {
  field: string;
  message: string;
  code: FieldErrorCode;
  /** What was sent; null when the field was absent. */
  value: unknown;
}

const { required, invalidType, invalidFormat, tooLong, tooMany, empty, reservedKey } = FIELD_ERROR_CODES;

/** A name as stored: trimmed, not empty (and within `limits.name`). */
export function checkName(
  value: unknown,
  problems: FieldProblem[],
  field = 'name',
  limits = DOCUMENTED_LIMITS,
): string | undefined {
  if (value === undefined || value === null) {
    problems.push({ field, message: `${field} is required`, code: required, value: null });
  } else if (typeof value !== 'string') {
    problems.push({ field, message: `${field} must be a string`, code: invalidType, value });
  } else {
    const name = value.trim();
    if (name === '') {
      problems.push({ field, message: `${field} must not be empty`, code: empty, value });
    } else if (limits.name !== undefined && name.length > limits.name) {
      const message = `${field} must be at most ${limits.name} characters`;
      problems.push({ field, message, code: tooLong, value: clipValue(value) });
    } else {
      return name;
    }
  }
  return undefined;
}

/** How many bad tags of one list a check names before it only counts them. */
const MAX_NAMED_TAG_PROBLEMS = 10;

/**
 * Tags as stored: each trimmed and not empty, duplicates dropped (first kept); within `limits`. In linear
 * time: a model (or an attacker) may send 100,000 tags, and a quadratic de-duplication of them would hold
 * the process, every other caller included, for seconds.
 */
export function checkTags(
  value: unknown,
  problems: FieldProblem[],
  field = 'tags',
  limits = DOCUMENTED_LIMITS,
): string[] | undefined {
  if (!Array.isArray(value)) {
    problems.push({ field, message: `${field} must be an array of strings`, code: invalidType, value });
    return undefined;
  }
  const tags = new Set<string>();
  const before = problems.length;
  // Each bad tag is named up to a point, then counted: 100,000 empty tags make one sentence, not 100,000.
  let unnamed: { count: number; code: FieldErrorCode } | undefined;
  const scratch: FieldProblem[] = [];
  for (let index = 0; index < value.length; index++) {
    const checked = checkTag(value[index] as unknown, scratch, field, index, limits);
    if (checked !== undefined) {
      tags.add(checked);
    } else if (problems.length - before < MAX_NAMED_TAG_PROBLEMS) {
      problems.push(...scratch);
    } else {
      unnamed ??= { count: 0, code: scratch[0]?.code ?? invalidType };
      unnamed.count++;
    }
    scratch.length = 0;
  }
  if (unnamed) {
    const message = `${field} holds ${unnamed.count} more invalid ${unnamed.count === 1 ? 'tag' : 'tags'} (the first ${MAX_NAMED_TAG_PROBLEMS} are named)`;
    problems.push({ field, message, code: unnamed.code, value: unnamed.count });
  }
  if (limits.tagsPerContact !== undefined && tags.size > limits.tagsPerContact) {
    const message = `too many tags: ${tags.size} (at most ${limits.tagsPerContact})`;
    problems.push({ field, message, code: tooMany, value: tags.size });
  }
  // A Set keeps insertion order: the first occurrence of each tag, in the order sent.
  return problems.length === before ? [...tags] : undefined;
}

/** One tag, trimmed; `index` places it in a list (`tags[2]`). */
export function checkTag(
  value: unknown,
  problems: FieldProblem[],
  field = 'tag',
  index?: number,
  limits = DOCUMENTED_LIMITS,
): string | undefined {
  const tag = typeof value === 'string' ? value.trim() : undefined;
  if (tag !== undefined && tag !== '' && (limits.tag === undefined || tag.length <= limits.tag)) return tag;
  // Only a problem pays for the field's full name.
  const name = index === undefined ? field : `${field}[${index}]`;
  if (tag === undefined) {
    problems.push({ field: name, message: `${name} must be a string`, code: invalidType, value });
  } else if (tag === '') {
    problems.push({ field: name, message: `${name} must not be empty`, code: empty, value });
  } else {
    const message = `${name} must be at most ${limits.tag} characters`;
    problems.push({ field: name, message, code: tooLong, value: clipValue(tag) });
  }
  return undefined;
}

/**
 * Custom attributes: an object whose keys are none of RESERVED_ATTRIBUTE_KEYS (and within `limits`);
 * values are any JSON.
 * Read from the value as sent (JSON.parse makes `__proto__` an own key): a copy made by assignment would
 * drop that key without a word, and a PUT would then wipe the contact's attributes.
 */
export function checkCustomAttributes(
  value: unknown,
  problems: FieldProblem[],
  field = 'custom_attributes',
  limits = DOCUMENTED_LIMITS,
): Record<string, unknown> | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    // A list is not echoed: it may nest too deep for the answer to be written.
    const echoed = Array.isArray(value) ? null : value;
    problems.push({ field, message: `${field} must be an object`, code: invalidType, value: echoed });
    return undefined;
  }
  const entries = Object.entries(value);
  const before = problems.length;
  const depth = limits.customAttributesDepth;
  if (depth !== undefined && nestedDeeperThan(value, depth)) {
    const message = `${field} nest deeper than ${depth} levels`;
    problems.push({ field, message, code: FIELD_ERROR_CODES.tooDeep, value: null });
  }
  if (limits.customAttributes !== undefined && entries.length > limits.customAttributes) {
    const message = `too many ${field}: ${entries.length} (at most ${limits.customAttributes})`;
    problems.push({ field, message, code: tooMany, value: entries.length });
  }
  for (const [key] of entries) {
    const shown = JSON.stringify(clipValue(key, 40));
    const keyLimit = limits.customAttributeKey;
    if (keyLimit !== undefined && (key.trim() === '' || key.length > keyLimit)) {
      const message = `${field} key ${shown} must be 1 to ${keyLimit} characters`;
      problems.push({
        field: `${field}.${clipValue(key, 40)}`,
        message,
        code: invalidFormat,
        value: clipValue(key),
      });
    } else if (RESERVED_ATTRIBUTE_KEYS.includes(key)) {
      const message = `${field} key ${shown} cannot be stored (${RESERVED_ATTRIBUTE_KEYS.join(', ')} are reserved): rename it`;
      problems.push({ field: `${field}.${key}`, message, code: reservedKey, value: key });
    }
  }
  // fromEntries defines own properties: no key can reach a prototype.
  return problems.length === before ? Object.fromEntries(entries) : undefined;
}

/** A contact id that can go into a URL path as one segment (contract.ts: CONTACT_ID_PATTERN). */
export function checkContactId(value: unknown, problems: FieldProblem[], field = 'id'): string | undefined {
  if (typeof value === 'string' && CONTACT_ID_PATTERN.test(value)) return value;
  problems.push({
    field,
    message: `${field} must be a contact id as returned by list_contacts (letters, digits, "-" or "_"), e.g. a UUID`,
    code: typeof value === 'string' ? invalidFormat : invalidType,
    value: typeof value === 'string' ? clipValue(value) : value,
  });
  return undefined;
}

/** A search text, trimmed (and within `limits.search`); empty means no filter. */
export function checkSearch(
  value: string,
  problems: FieldProblem[],
  field = 'search',
  limits = DOCUMENTED_LIMITS,
): string | undefined {
  const search = value.trim();
  if (limits.search === undefined || search.length <= limits.search) return search || undefined;
  const message = `${field} must be at most ${limits.search} characters`;
  problems.push({ field, message, code: tooLong, value: clipValue(value) });
  return undefined;
}

/** An integer in [min, max], from a query string or a JSON number. */
export function checkInteger(
  raw: unknown,
  field: string,
  min: number,
  max: number,
  problems: FieldProblem[],
): number | undefined {
  const value =
    typeof raw === 'number' ? raw : typeof raw === 'string' && /^\d+$/.test(raw.trim()) ? Number(raw) : NaN;
  if (Number.isSafeInteger(value) && value >= min && value <= max) return value;
  const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `between ${min} and ${max}`;
  problems.push({
    field,
    message: `${field} must be an integer ${range}`,
    code: Number.isNaN(value) ? invalidType : FIELD_ERROR_CODES.outOfRange,
    value: raw,
  });
  return undefined;
}

/**
 * A CSV `tags` cell, `"vip, newsletter"` → `["vip", "newsletter"]`: split at the separator, each trimmed,
 * empty ones and repeats dropped. Most cells hold one tag or none, so those go fast.
 */
export function splitTagCell(cell: string): string[] {
  if (!cell.includes(CSV_TAG_SEPARATOR)) {
    const tag = cell.trim();
    return tag === '' ? [] : [tag];
  }
  const tags = new Set<string>();
  for (const part of cell.split(CSV_TAG_SEPARATOR)) {
    const tag = part.trim();
    if (tag !== '') tags.add(tag);
  }
  return [...tags];
}

/**
 * Whether `value` nests objects or arrays more than `maxDepth` levels deep (`{}` is 1 level). Iterative:
 * a value nested 6,000 deep arrives whole from JSON.parse, and a recursive walk would overflow the stack.
 */
export function nestedDeeperThan(value: unknown, maxDepth: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  for (let item = stack.pop(); item; item = stack.pop()) {
    const [node, depth] = item;
    if (node === null || typeof node !== 'object') continue;
    if (depth >= maxDepth) return true;
    for (const child of Object.values(node)) stack.push([child, depth + 1]);
  }
  return false;
}

/** A value echoed back in a problem is clipped: a model may have sent 10 kB of it. */
export function clipValue(value: string, max = 64): string {
  return value.length > max ? `${value.slice(0, max)}…` : value;
}
