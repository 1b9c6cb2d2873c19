/**
 * Phone number checks, shared by `create_contact` and the CSV import: libphonenumber-js knows every
 * country's numbering plan, which a hand-made regex does not.
 */
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';
import { E164_EXAMPLE, E164_PATTERN } from './contract.js';

export type PhoneCheck = { ok: true; e164: string } | { ok: false; reason: string };

/**
 * Checks a phone number and returns it in E.164. Without `defaultCountry` the number must carry its
 * country code (`+91…`); separators such as spaces, dashes, dots and brackets are dropped. With
 * `defaultCountry` (ISO 3166 alpha-2, e.g. `IN`) a local number such as `098765 43210` is read as a
 * number of that country.
 */
export function toE164(raw: string, defaultCountry?: CountryCode): PhoneCheck {
  const text = raw.trim();
  if (text === '') return { ok: false, reason: 'phone_number is empty' };
  if (!defaultCountry && !text.startsWith('+') && !text.startsWith('00')) {
    return {
      ok: false,
      reason: `phone_number "${clip(text)}" has no country code: write it in E.164, e.g. ${E164_EXAMPLE}`,
    };
  }
  const parsed = parsePhoneNumberFromString(text, defaultCountry ? { defaultCountry } : undefined);
  if (!parsed || !parsed.isValid() || !E164_PATTERN.test(parsed.number)) {
    return {
      ok: false,
      reason: `phone_number "${clip(text)}" is not a valid phone number: use E.164, e.g. ${E164_EXAMPLE}`,
    };
  }
  return { ok: true, e164: parsed.number };
}

/** Keeps an echoed value short: a model made it up, and it may be 10 kB long. */
function clip(text: string): string {
  return text.length > 32 ? `${text.slice(0, 32)}…` : text;
}
