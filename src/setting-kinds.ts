/**
 * How a setting is read and documented: the kinds of variable (a bounded integer, a boolean, a token, a
 * comma list, a base URL, an OAuth key ring, a public URL), each with messages that name the variable and
 * never its value, and the documentation each row of the table in settings.ts carries.
 */
import { z } from 'zod';
import { parseKeyRing } from './oauth/key-ring.js';
import { DEFAULT_BASE_URL } from './vobiz/contract.js';

/** Where a setting belongs, for the generated documentation. */
export type SettingGroup = 'account' | 'tools' | 'import' | 'remote';

/**
 * What the documentation says of a setting: its meaning, and its default in words when the value alone
 * would not say it (`the working directory`, `100 MB`). Otherwise the default shown is the schema's own,
 * so that it is written once.
 */
interface SettingDoc {
  group: SettingGroup;
  doc: string;
  default?: string;
}

export function documented<T extends z.ZodType>(schema: T, meta: SettingDoc): T {
  SETTING_DOCS.set(schema, meta);
  return schema;
}
export const SETTING_DOCS = new Map<z.ZodType, SettingDoc>();

/** An integer setting with its bounds; the messages name the variable, never its value. */
export function intVar(name: string, min: number, max: number, fallback: number) {
  return z.coerce
    .number({ error: `${name} must be a whole number` })
    .int({ error: `${name} must be a whole number` })
    .min(min, { error: `${name} must be at least ${min}` })
    .max(max, { error: `${name} must be at most ${max}` })
    .default(fallback);
}

/** `a, b,,c` → `['a', 'b', 'c']`: the comma lists of settings and headers. */
export function splitCommaList(list: string): string[] {
  return list
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
}

export function commaListVar() {
  return z.string().transform(splitCommaList);
}

/** `true`/`1` or `false`/`0`, default false. */
export function booleanVar(name: string) {
  return z
    .enum(['true', 'false', '1', '0'], { error: `${name} must be true or false` })
    .default('false')
    .transform((value) => value === 'true' || value === '1');
}

/** One token: printable ASCII without spaces. */
export function tokenVar(name: string, minLength = 1) {
  return z
    .string()
    .trim()
    .regex(/^[\x21-\x7e]+$/, { error: `${name} must be one token, not blank and without spaces` })
    .min(minLength, { error: `${name} must be at least ${minLength} characters (e.g. openssl rand -hex 32)` })
    .optional();
}

export function isOrigin(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.origin === value.replace(/\/$/, '');
  } catch {
    return false;
  }
}

/**
 * An http(s) base URL. Each way it can be wrong gets its own message naming the setting: a URL written
 * without its scheme (`api.vobiz.ai/…`, as copied from a browser's address bar) is the common one.
 */
export function baseUrlVar() {
  const name = 'VOBIZ_BASE_URL';
  return z
    .string()
    .trim()
    .superRefine((raw, ctx) => {
      const problem = baseUrlProblem(raw);
      if (problem) ctx.addIssue({ code: 'custom', message: `${name} ${problem}` });
    });
}

export function baseUrlProblem(raw: string): string | undefined {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(raw)) {
    return `must start with https:// (or http://), e.g. ${DEFAULT_BASE_URL}`;
  }
  if (!URL.canParse(raw)) return `is not a valid URL, e.g. ${DEFAULT_BASE_URL}`;
  const url = new URL(raw);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'must be an http(s) URL';
  // Paths are appended to it, and it is logged: no credentials, query or fragment belong in it.
  if (url.username || url.password || url.search || url.hash) {
    return 'must be a plain base URL, without user:password@, ?query or #fragment';
  }
  return undefined;
}

/**
 * A setting turned into a value by `parse`, which answers what is wrong instead (the message goes on
 * after the setting's name, and never quotes the value: some are secrets).
 */
export function parsedVar<T>(name: string, parse: (raw: string) => { value: T } | string) {
  return z
    .string()
    .trim()
    .transform((raw, ctx) => {
      const parsed = parse(raw);
      if (typeof parsed !== 'string') return parsed.value;
      ctx.addIssue({ code: 'custom', message: `${name} ${parsed}` });
      return z.NEVER;
    })
    .optional();
}

/** `MCP_OAUTH_KEY`: `id:base64key[,id:base64key…]`, each key 32 bytes (AES-256). */
export function oauthKeyVar() {
  return parsedVar('MCP_OAUTH_KEY', (raw) => {
    const ring = parseKeyRing(raw);
    return typeof ring === 'string' ? ring : { value: ring };
  });
}

/** `MCP_PUBLIC_URL`: an http(s) origin, which the endpoints' URLs are built on; a trailing /mcp is let go. */
export function publicUrlVar() {
  return parsedVar('MCP_PUBLIC_URL', (raw) => {
    const url = URL.canParse(raw) ? new URL(raw) : undefined;
    if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
      return 'must be an http(s) URL such as https://mcp.example.com';
    }
    if (
      url.username ||
      url.password ||
      url.search ||
      url.hash ||
      url.pathname.replace(/\/mcp\/?$/, '/') !== '/'
    ) {
      return "must be the server's origin alone, such as https://mcp.example.com (the endpoint is its /mcp)";
    }
    return { value: url.origin };
  });
}

/** The value a setting takes when it is not set (undefined: none). */
export function defaultOf(schema: z.ZodType): unknown {
  const parsed = schema.safeParse(undefined);
  return parsed.success ? parsed.data : undefined;
}

export function shownDefault(value: unknown): string {
  if (value === undefined) return '—';
  return typeof value === 'string' ? `\`${value}\`` : String(value);
}
