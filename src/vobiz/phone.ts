/**
 * The phone number rule, shared by the tools, the CSV import and the sandbox (contract.ts:
 * PHONE_NUMBER_RULE). A number is accepted when it is E.164 — `+`, a country calling code that exists,
 * and a national number of a length possible under that code (libphonenumber's possible lengths) —
 * whether or not it lies in a range known to be allocated: ranges are allocated all the time, and a copy
 * of them frozen into this build must not refuse a number Vobiz takes. A number outside every known range
 * is accepted with a warning instead. A trunk prefix after the country code (`+44 (0)20…`, `+49 030…`) is
 * dropped where normalising (tools, CSV cells) and refused in the API's JSON bodies; which prefix a country
 * has, and whether a leading digit is one, is libphonenumber's call (Italy's 0 belongs to the number).
 *
 * Numbers already in E.164 (most of any import) are checked against a table of possible lengths per
 * calling code, built once from libphonenumber's metadata: a prefix lookup, none of its regexes. Only a
 * local number read with a default country, or one whose national part starts with its country's trunk
 * prefix, goes through libphonenumber's parser.
 *
 * This module loads libphonenumber's metadata: the tools import it on first use (`loadPhoneRules`).
 */
import {
  isPossiblePhoneNumber,
  Metadata,
  parsePhoneNumberFromString,
  type CountryCode,
} from 'libphonenumber-js/min';
import metadata from 'libphonenumber-js/min/metadata';
import { FIELD_ERROR_CODES, type FieldProblem } from './contact-rules.js';
import { E164_EXAMPLE } from './contract.js';

export type PhoneCheck =
  | {
      ok: true;
      e164: string;
      /** The input was rewritten (separators dropped, `00` read as `+`, a country code added). */
      normalised: boolean;
      /**
       * Set when digits were dropped, not only separators: a trunk prefix written after the country code,
       * e.g. `"+44 (0)20 7946 0958" → +442079460958 (trunk prefix 0 dropped after +44)`, for a warning.
       */
      rewritten?: string;
    }
  | {
      ok: false;
      reason: string;
      /** The number lacks a country code: a default country would fix it. */
      missingCountryCode: boolean;
    };

export interface PhoneOptions {
  /** Read numbers without a country code as numbers of this country (ISO 3166 alpha-2, e.g. `IN`). */
  defaultCountry?: CountryCode | undefined;
  /**
   * Drop separators, read `00` as `+` and drop a trunk prefix after the country code (the tools and CSV
   * cells); off for the API's JSON bodies, which must carry E.164 exactly.
   */
  normalise?: boolean;
}

/** `+` and 2 to 15 digits, the first not 0: E.164's shape, before the calling code and length are checked. */
const E164_SHAPE = /^\+[1-9]\d{1,14}$/;
/** What people put between digits: spaces (also no-break), dashes, dots, brackets, slashes. */
const SEPARATORS = /[\s\u00a0().\-/]/g;

/** What libphonenumber's metadata says of one country calling code, over every region that shares it. */
interface CallingCodePlan {
  /** Possible national number lengths. */
  lengths: ReadonlySet<number>;
  /**
   * The national (trunk) prefixes dialled before a number inside the country and dropped after the
   * country code: "0" (GB, DE, IN), "8" (RU), "06" (HU), "1" (NANP). None for Italy, whose 0 is part of
   * the number.
   */
  trunkPrefixes: ReadonlySet<string>;
}

/** The part of libphonenumber's Metadata class read here; Italy's "no prefix" comes as 0. */
interface MetadataReader {
  selectNumberingPlan(region: string): void;
  numberingPlan?: { callingCode(): string; nationalPrefix(): string | number | undefined };
}

/** Calling code → its plan; built once, on the first number checked. */
let plans: ReadonlyMap<string, CallingCodePlan> | undefined;

function callingCodePlans(): ReadonlyMap<string, CallingCodePlan> {
  if (plans) return plans;
  const table = new Map<string, { lengths: Set<number>; trunkPrefixes: Set<string> }>();
  const planOf = (code: string) => {
    let plan = table.get(code);
    if (!plan) table.set(code, (plan = { lengths: new Set(), trunkPrefixes: new Set() }));
    return plan;
  };
  // metadata.min.json: countries[region] = [callingCode, idd, pattern, possibleLengths, …]; the same
  // layout for the non-geographic codes (+800, +882, …).
  const raw = metadata as unknown as {
    countries: Record<string, unknown[]>;
    nonGeographic?: Record<string, unknown[]>;
  };
  for (const entry of [...Object.values(raw.countries), ...Object.values(raw.nonGeographic ?? {})]) {
    if (typeof entry[0] !== 'string') continue;
    const plan = planOf(entry[0]);
    const lengths = entry[3];
    if (Array.isArray(lengths))
      for (const length of lengths) if (typeof length === 'number') plan.lengths.add(length);
  }
  // The trunk prefix through libphonenumber's Metadata reader (its types leave these methods out).
  const reader = new Metadata() as unknown as MetadataReader;
  for (const region of Object.keys(raw.countries)) {
    reader.selectNumberingPlan(region);
    const prefix = reader.numberingPlan?.nationalPrefix();
    const code = reader.numberingPlan?.callingCode();
    if (typeof prefix === 'string' && prefix !== '' && code) planOf(code).trunkPrefixes.add(prefix);
  }
  plans = table;
  return table;
}

/** The calling code an E.164-shaped number starts with; calling codes are prefix-free, 1 to 3 digits. */
function callingCodeOf(e164: string): { code: string; plan: CallingCodePlan } | undefined {
  const table = callingCodePlans();
  for (let digits = 1; digits <= 3; digits++) {
    const code = e164.slice(1, 1 + digits);
    const plan = table.get(code);
    if (plan) return { code, plan };
  }
  return undefined;
}

/**
 * The length rule on a number already in E.164's shape. The table answers almost every number; one it
 * refuses is asked of libphonenumber's `isPossible` too, so that the rule is never stricter than it.
 */
function lengthProblem(e164: string, code: string, plan: CallingCodePlan): string | undefined {
  const national = e164.length - 1 - code.length;
  if (plan.lengths.has(national) || isPossiblePhoneNumber(e164)) return undefined;
  const sorted = [...plan.lengths].sort((a, b) => a - b);
  return `has ${national} digits after the country code +${code}, which takes ${sorted.join(', ')}`;
}

/**
 * A trunk prefix written after the country code (`+44 020…`, `+44 (0)20…`, `+7 8 495…`): the number
 * without it, or undefined. Only a number whose national part starts with one of its code's trunk
 * prefixes is looked at (a prefix lookup first: imports check every row). It has one when libphonenumber
 * reads it without that prefix, or when it is in no known range as written and in one without it (Colombia:
 * libphonenumber reads a 0 there as a carrier code). Italy's 0, a Russian 8-800 number and every number
 * libphonenumber keeps whole and valid stay as written.
 */
function trunkPrefixIn(e164: string, code: string, plan: CallingCodePlan) {
  const national = e164.slice(1 + code.length);
  const prefixes = [...plan.trunkPrefixes].filter((prefix) => national.startsWith(prefix));
  if (prefixes.length === 0) return undefined;
  const parsed = parsePhoneNumberFromString(e164);
  if (parsed && parsed.countryCallingCode === code && national.endsWith(parsed.nationalNumber)) {
    const prefix = national.slice(0, national.length - parsed.nationalNumber.length);
    if (plan.trunkPrefixes.has(prefix) && !lengthProblem(parsed.number, code, plan)) {
      return { prefix, e164: parsed.number as string };
    }
  }
  if (parsed?.isValid()) return undefined;
  for (const prefix of prefixes) {
    const without = `+${code}${national.slice(prefix.length)}`;
    if (parsePhoneNumberFromString(without)?.isValid()) return { prefix, e164: without };
  }
  return undefined;
}

/**
 * Checks a phone number and returns it in E.164. Without `normalise` the text must be E.164 exactly (the
 * API's JSON bodies): a trunk prefix after the country code is refused, naming the number meant. With it,
 * separators are dropped, `00` is read as `+`, a trunk prefix after the country code is dropped
 * (`+44 (0)20 7946 0958` → +442079460958), and, given `defaultCountry`, a number without a country code
 * is read as that country's (`098765 43210` with IN → +919876543210).
 */
export function checkPhoneNumber(raw: string, options: PhoneOptions = {}): PhoneCheck {
  // Most numbers, and nearly every cell of an import, are E.164 already: nothing to rewrite.
  if (E164_SHAPE.test(raw)) return checkE164(raw, raw, options.normalise ?? false);
  if (!options.normalise) {
    return invalid(raw, `is not "+", country code and number, e.g. ${E164_EXAMPLE}`);
  }
  const text = raw.trim();
  if (text === '') return { ok: false, reason: 'phone_number is empty', missingCountryCode: false };
  let candidate = text.replace(SEPARATORS, '');
  if (candidate.startsWith('00')) candidate = `+${candidate.slice(2)}`;
  if (!candidate.startsWith('+') && options.defaultCountry) {
    const parsed = parsePhoneNumberFromString(text, { defaultCountry: options.defaultCountry });
    if (!parsed) return invalid(raw, `is not a phone number of ${options.defaultCountry}`);
    candidate = parsed.number;
  }
  if (!candidate.startsWith('+')) {
    return invalid(raw, `has no country code: write it in E.164, e.g. ${E164_EXAMPLE}`, true);
  }
  if (!E164_SHAPE.test(candidate)) {
    return invalid(raw, `is not "+", country code and number, e.g. ${E164_EXAMPLE}`);
  }
  return checkE164(raw, candidate, true);
}

/** The rule on `e164` (E.164's shape), read from `raw`; `dropTrunk` rewrites a trunk prefix, or refuses it. */
function checkE164(raw: string, e164: string, dropTrunk: boolean): PhoneCheck {
  const found = callingCodeOf(e164);
  if (!found) return invalid(raw, 'starts with no country code that exists');
  const { code, plan } = found;
  const trunk = trunkPrefixIn(e164, code, plan);
  if (trunk && !dropTrunk) {
    return invalid(
      raw,
      `has the trunk prefix ${trunk.prefix} after the country code +${code}; an international number drops it: ${trunk.e164}`,
    );
  }
  const number = trunk?.e164 ?? e164;
  const problem = lengthProblem(number, code, plan);
  if (problem) return invalid(raw, problem);
  return {
    ok: true,
    e164: number,
    normalised: number !== raw,
    ...(trunk && {
      rewritten: `${shownNumber(raw)} → ${number} (trunk prefix ${trunk.prefix} dropped after +${code})`,
    }),
  };
}

function shownNumber(raw: string): string {
  return JSON.stringify(raw.length > 32 ? `${raw.slice(0, 32)}…` : raw);
}

function invalid(raw: string, why: string, missingCountryCode = false): PhoneCheck {
  return {
    ok: false,
    reason: `invalid phone_number: must be E.164 format: ${shownNumber(raw)} ${why}`,
    missingCountryCode,
  };
}

/**
 * A warning for an accepted number that lies in no range libphonenumber knows to be allocated, e.g.
 * "+447700900123 is not in a known range for GB: Vobiz may refuse it"; undefined for a known one.
 * It runs libphonenumber's range patterns: meant for single numbers and dry runs, not every row of an import.
 */
export function rangeWarning(e164: string): string | undefined {
  const parsed = parsePhoneNumberFromString(e164);
  if (!parsed || parsed.isValid()) return undefined;
  const region = parsed.country ?? mainRegion(parsed.countryCallingCode);
  return `${e164} is not in a known range${region ? ` for ${region}` : ''}: Vobiz may refuse it`;
}

function mainRegion(callingCode: string): string | undefined {
  const codes = (metadata as unknown as { country_calling_codes: Record<string, string[]> })
    .country_calling_codes;
  return codes[callingCode]?.[0];
}

/** Whether `code` is an ISO 3166 alpha-2 region libphonenumber knows (for `default_country`). */
export function isKnownRegion(code: string): code is CountryCode {
  return Object.hasOwn((metadata as unknown as { countries: object }).countries, code);
}

/** The API's check of a JSON body's `phone_number` (exactly E.164, nothing normalised), as a field problem. */
export function checkContactPhone(value: unknown, problems: FieldProblem[]): string | undefined {
  const field = 'phone_number';
  if (value === undefined || value === null || value === '') {
    problems.push({
      field,
      message: 'phone_number is required',
      code: FIELD_ERROR_CODES.required,
      value: null,
    });
    return undefined;
  }
  if (typeof value !== 'string') {
    const message = 'phone_number must be a string';
    problems.push({ field, message, code: FIELD_ERROR_CODES.invalidType, value });
    return undefined;
  }
  const checked = checkPhoneNumber(value);
  if (checked.ok) return checked.e164;
  problems.push({ field, message: checked.reason, code: FIELD_ERROR_CODES.invalidFormat, value });
  return undefined;
}
