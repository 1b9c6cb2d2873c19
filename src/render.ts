/**
 * The one way text from the account or the upstream reaches a model: a contact's name, a tag, an
 * attribute value, a CSV cell, an error message from Vobiz. Anyone who messages the business chooses
 * their own name, so such text is data, and must never be able to start a line of its own, pass itself
 * off as a field, hide what follows it, or flood the model's context. `renderText` keeps it on one line
 * (control characters, line and paragraph separators, bidi and zero-width controls escaped), quotes it
 * unless it is a plain word, and clips it. Structured content keeps the true values; only text is rendered.
 */

import { redact } from './log.js';
import { nestedDeeperThan } from './vobiz/contact-rules.js';

/** Default longest rendering of one value, in characters (before quoting and escaping). */
export const MAX_RENDERED_CHARS = 200;

/**
 * Deepest nesting of a JSON value shown (objects and arrays, the outermost counting 1); deeper parts are
 * replaced by TOO_DEEP. Real attributes nest a few levels; a value nested thousands deep would overflow
 * the stack of every JSON.stringify on the way out (the SDK's included) and fail each page holding it.
 */
export const MAX_RENDERED_DEPTH = 64;
export const TOO_DEEP = `[nested deeper than ${MAX_RENDERED_DEPTH} levels: not shown]`;

/** `1 row`, `2 rows`: a count with its noun, singular for one (`plural` for nouns not made with -s). */
export function counted(count: number, noun: string, plural = `${noun}s`): string {
  return `${count} ${count === 1 ? noun : plural}`;
}

/**
 * Characters that could break a line or change how the rest of it reads: C0 and C1 controls, the line
 * and paragraph separators, the bidi embeddings, overrides and isolates, the directional marks, the
 * zero-width characters, the interlinear annotation marks and the BOM.
 */
const UNSAFE =
  // eslint-disable-next-line no-control-regex -- control characters are exactly what this matches
  /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ufff9-\ufffb]/gu;

/** A tag, an attribute key, a number: letters, digits and a few joiners, nothing that reads as structure. */
const PLAIN_WORD = /^[\p{L}\p{N}_.:/+@-]+$/u;

export interface RenderOptions {
  /** Longest rendering in characters before quoting (default MAX_RENDERED_CHARS); the rest is cut with `…`. */
  max?: number;
  /**
   * `always` (default): a JSON string literal, for free text such as names and messages.
   * `unless-plain`: bare when the value is one plain word (`vip`, `expo-2026`), quoted otherwise.
   * `never`: escaped and clipped but not quoted, for text that ends its line, where nothing follows it
   *   that it could pass itself off as (the reason of a failed row).
   */
  quote?: 'always' | 'unless-plain' | 'never';
}

/**
 * Account or upstream text as a model may read it: one line, clipped, quoted where it could mislead.
 * Secrets are redacted before the clip, so that no cut leaves the first characters of one.
 */
export function renderText(
  value: string,
  { max = MAX_RENDERED_CHARS, quote = 'always' }: RenderOptions = {},
): string {
  value = redact(value);
  const clipped = clip(value, max);
  if (quote === 'unless-plain' && clipped === value && PLAIN_WORD.test(value)) return value;
  if (quote === 'never') return clipped.replace(UNSAFE, escapeChar);
  // JSON.stringify escapes quotes, backslashes and C0 controls; the rest of UNSAFE it leaves raw.
  return JSON.stringify(clipped).replace(UNSAFE, escapeChar);
}

/**
 * A JSON value (custom attributes) rendered the same way: compact JSON, every string in it — keys as well
 * as values — redacted and clipped, nesting beyond MAX_RENDERED_DEPTH shown as TOO_DEEP.
 */
export function renderJson(value: unknown, max = MAX_RENDERED_CHARS): string {
  const text = (string: string) => clip(redact(string), max);
  const json = JSON.stringify(copyBounded(value, text, MAX_RENDERED_DEPTH));
  return (json ?? 'null').replace(UNSAFE, escapeChar);
}

/**
 * `value` with nesting beyond `maxDepth` replaced by TOO_DEEP (and, given `text`, every string and key
 * passed through it); the value itself when nothing had to change. The walk that decides is iterative;
 * the copy recurses at most `maxDepth` levels.
 */
export function boundDepth<T>(value: T, maxDepth = MAX_RENDERED_DEPTH): T {
  return nestedDeeperThan(value, maxDepth) ? (copyBounded(value, undefined, maxDepth) as T) : value;
}

function copyBounded(value: unknown, text: ((s: string) => string) | undefined, depthLeft: number): unknown {
  if (typeof value === 'string') return text ? text(value) : value;
  if (value === null || typeof value !== 'object') return value;
  if (depthLeft <= 0) return TOO_DEEP;
  if (Array.isArray(value)) return value.map((item: unknown) => copyBounded(item, text, depthLeft - 1));
  const copy: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    let shown = text ? text(key) : key;
    // Two long keys may clip to the same text: both are shown.
    for (let n = 2; Object.hasOwn(copy, shown); n++) shown = `${text ? text(key) : key}#${n}`;
    // defineProperty: a `__proto__` key stays an own key, as JSON.parse made it.
    Object.defineProperty(copy, shown, {
      value: copyBounded(item, text, depthLeft - 1),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return copy;
}

/** Most tags one rendered list shows; real contacts carry a handful, a model may send 100,000. */
export const MAX_RENDERED_TAGS = 50;

/**
 * A list of tags: each bare if plain, quoted otherwise, comma-separated; `-` for none. A long list shows
 * its first MAX_RENDERED_TAGS and says how many more it holds (structured content keeps them all).
 */
export function renderTags(tags: readonly string[], max = MAX_RENDERED_CHARS): string {
  if (tags.length === 0) return '-';
  const shown = tags
    .slice(0, MAX_RENDERED_TAGS)
    .map((tag) => renderText(tag, { quote: 'unless-plain', max }));
  const more = tags.length - shown.length;
  return more > 0 ? `${shown.join(',')} (and ${more} more)` : shown.join(',');
}

function clip(value: string, max: number): string {
  if (value.length <= max) return value;
  // Never cut a surrogate pair in half: the lone half would render as a replacement character.
  const end = isHighSurrogate(value.charCodeAt(max - 1)) ? max - 1 : max;
  return `${value.slice(0, end)}…`;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

function escapeChar(char: string): string {
  return `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

/** Longest text of one tool result; beyond it the text is cut, and says so (structured content is whole). */
export const MAX_RESULT_TEXT_CHARS = 100_000;

/**
 * Bounds a result's text: what a model reads must fit its context, whatever the account holds. Secrets are
 * redacted before the cut, so that none is cut into a readable prefix.
 */
export function boundResultText(text: string, max = MAX_RESULT_TEXT_CHARS): string {
  text = redact(text);
  if (text.length <= max) return text;
  const cut = text.lastIndexOf('\n', max);
  const kept = text.slice(0, cut > max / 2 ? cut : max);
  return `${kept}\n… the text was cut at ${max} characters; the structured result holds everything.`;
}
