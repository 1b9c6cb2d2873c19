/**
 * The phone number rule, shared by the tools, the CSV import and the sandbox (contract.ts:
 * PHONE_NUMBER_RULE). A number is accepted when it is E.164 — `+`, a country calling code that exists,
 * and a national number of a length possible under that code (libphonenumber's possible lengths) —
 * whether or not it lies in a range known to be allocated: ranges are allocated all the time, and a copy
 * of them frozen into this build must not refuse a number Vobiz takes. A number outside every known range
 * is accepted with a warning instead.
 *
 * Numbers already in E.164 (most of any import) are checked against a table of possible lengths per
 * calling code, built once from libphonenumber's metadata: a prefix lookup, none of its regexes. Only a
 * local number read with a default country goes through libphonenumber's parser.
 *
 * This module loads libphonenumber's metadata: the tools import it on first use (`loadPhoneRules`).
 */
import { isPossiblePhoneNumber, parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/min';
import metadata from 'libphonenumber-js/min/metadata';
import { FIELD_ERROR_CODES, type FieldProblem } from './contact-rules.js';
import { E164_EXAMPLE } from './contract.js';

export type PhoneCheck =
  | {
      ok: true;
      e164: string;
      /** The input was rewritten (separators dropped, `00` read as `+`, a country code added). */
      normalised: boolean;
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
   * Drop separators and read `00` as `+` (the tools and CSV cells); off for the API's JSON bodies, which
   * must carry E.164 exactly.
   */
  normalise?: boolean;
}

/** `+` and 2 to 15 digits, the first not 0: E.164's shape, before the calling code and length are checked. */
const E164_SHAPE = /^\+[1-9]\d{1,14}$/;
/** What people put between digits: spaces (also no-break), dashes, dots, brackets, slashes. */
const SEPARATORS = /[\s\u00a0().\-/]/g;

/** Calling code → possible national number lengths, the union over every region that shares the code. */
let possibleLengths: ReadonlyMap<string, ReadonlySet<number>> | undefined;

function lengthsTable(): ReadonlyMap<string, ReadonlySet<number>> {
  if (possibleLengths) return possibleLengths;
  const table = new Map<string, Set<number>>();
  const add = (code: string, lengths: unknown) => {
    const set = table.get(code) ?? new Set<number>();
    if (Array.isArray(lengths)) for (const length of lengths) if (typeof length === 'number') set.add(length);
    table.set(code, set);
  };
  // metadata.min.json: countries[region] = [callingCode, idd, pattern, possibleLengths, …]; the same
  // layout for the non-geographic codes (+800, +882, …).
  const raw = metadata as unknown as {
    countries: Record<string, unknown[]>;
    nonGeographic?: Record<string, unknown[]>;
  };
  for (const plan of [...Object.values(raw.countries), ...Object.values(raw.nonGeographic ?? {})]) {
    if (typeof plan[0] === 'string') add(plan[0], plan[3]);
  }
  possibleLengths = table;
  return table;
}

/**
 * The hard rule on a number already in E.164's shape: a calling code that exists, a possible length.
 * The table answers almost every number; one it refuses is asked of libphonenumber's `isPossible` too,
 * which also knows the odd form it reads as possible (a national prefix written after `+1`), so that the
 * rule is never stricter than it.
 */
function e164Problem(e164: string, shapeChecked = false): string | undefined {
  if (!shapeChecked && !E164_SHAPE.test(e164))
    return `is not "+", country code and number, e.g. ${E164_EXAMPLE}`;
  const table = lengthsTable();
  // Calling codes are prefix-free and 1 to 3 digits long.
  for (let digits = 1; digits <= 3; digits++) {
    const code = e164.slice(1, 1 + digits);
    const lengths = table.get(code);
    if (!lengths) continue;
    const national = e164.length - 1 - digits;
    if (lengths.has(national) || isPossiblePhoneNumber(e164)) return undefined;
    const sorted = [...lengths].sort((a, b) => a - b);
    return `has ${national} digits after the country code +${code}, which takes ${sorted.join(', ')}`;
  }
  return 'starts with no country code that exists';
}

/**
 * Checks a phone number and returns it in E.164. Without `normalise` the text must be E.164 exactly (the
 * API's JSON bodies). With it, separators are dropped, `00` is read as `+`, and, given `defaultCountry`,
 * a number without a country code is read as that country's (`098765 43210` with IN → +919876543210).
 */
export function checkPhoneNumber(raw: string, options: PhoneOptions = {}): PhoneCheck {
  // Most numbers, and nearly every cell of an import, are E.164 already: nothing to rewrite.
  if (E164_SHAPE.test(raw)) {
    const problem = e164Problem(raw, true);
    return problem ? invalid(raw, problem) : { ok: true, e164: raw, normalised: false };
  }
  if (!options.normalise) return invalid(raw, e164Problem(raw) ?? 'is not E.164');
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
  const problem = e164Problem(candidate);
  return problem ? invalid(raw, problem) : { ok: true, e164: candidate, normalised: candidate !== raw };
}

function invalid(raw: string, why: string, missingCountryCode = false): PhoneCheck {
  const shown = JSON.stringify(raw.length > 32 ? `${raw.slice(0, 32)}…` : raw);
  return {
    ok: false,
    reason: `invalid phone_number: must be E.164 format: ${shown} ${why}`,
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
