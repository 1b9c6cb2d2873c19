/**
 * Contacts a sandbox starts with. `sampleContacts`: the ten a fresh sandbox holds, so that listing,
 * searching, tag filters and segments show something realistic at once — several countries, the tags
 * campaigns target, attributes (city, plan, email …), contacts active this week, quiet for months or
 * never active. `generateContacts`: as many as a test or a benchmark needs, with the same kinds of data
 * in known proportions. Dates count back from the start, so "active within 7 days" or "inactive for 90
 * days" always finds someone; creation dates ascend in list order, as the API lists them.
 */
import { randomUUID } from 'node:crypto';
import type { SandboxContact } from './store.js';

const DAY_MS = 86_400_000;

interface SampleContact {
  phone_number: string;
  name: string;
  tags: string[];
  custom_attributes: Record<string, unknown>;
  created_days_ago: number;
  /** Absent: never active. */
  active_days_ago?: number;
}

const SAMPLE_CONTACTS: readonly SampleContact[] = [
  {
    phone_number: '+919876543210',
    name: 'Rahul Sharma',
    tags: ['vip', 'enterprise'],
    custom_attributes: { city: 'Mumbai', plan: 'enterprise' },
    created_days_ago: 320.4,
    active_days_ago: 1.3,
  },
  {
    phone_number: '+919812345678',
    name: 'Priya Patel',
    tags: ['newsletter'],
    custom_attributes: { city: 'Ahmedabad', language: 'gu', email: 'priya.patel@example.in' },
    created_days_ago: 283.6,
    active_days_ago: 124.2,
  },
  {
    phone_number: '+14155550123',
    name: 'Emily Johnson',
    tags: ['vip', 'newsletter'],
    custom_attributes: {
      city: 'San Francisco',
      company: 'Northwind Traders',
      timezone: 'America/Los_Angeles',
    },
    created_days_ago: 267.2,
  },
  {
    phone_number: '+12125550187',
    name: 'Michael Chen',
    tags: ['enterprise'],
    custom_attributes: {
      city: 'New York',
      company: 'Contoso Ltd',
      seats: 250,
      email: 'm.chen@contoso.example',
    },
    created_days_ago: 249.5,
    active_days_ago: 40.6,
  },
  {
    phone_number: '+447700900123',
    name: 'Oliver Smith',
    tags: ['newsletter'],
    custom_attributes: {},
    created_days_ago: 230.1,
  },
  {
    phone_number: '+5511987654321',
    name: 'Ana Souza',
    tags: ['vip'],
    custom_attributes: { city: 'São Paulo', language: 'pt-BR' },
    created_days_ago: 185.7,
    active_days_ago: 3.4,
  },
  {
    phone_number: '+971501234567',
    name: 'Fatima Al Mansoori',
    tags: ['enterprise', 'vip'],
    custom_attributes: { city: 'Dubai', company: 'Gulf Logistics', preferred_contact: 'whatsapp' },
    created_days_ago: 165.3,
    active_days_ago: 97.8,
  },
  {
    phone_number: '+4915112345678',
    name: 'Lukas Müller',
    tags: [],
    custom_attributes: { language: 'de' },
    created_days_ago: 143.9,
  },
  {
    phone_number: '+917022334455',
    name: 'Ananya Iyer',
    tags: ['newsletter', 'trial'],
    custom_attributes: { city: 'mumbai', signup_source: 'website', email: 'ananya@example.in' },
    created_days_ago: 4.6,
    active_days_ago: 0.4,
  },
  {
    phone_number: '+61412345678',
    name: 'Jack Wilson',
    tags: ['trial'],
    custom_attributes: { city: 'Sydney' },
    created_days_ago: 2.2,
  },
];

const daysBefore = (now: number, days: number) => new Date(now - days * DAY_MS).toISOString();

export function sampleContacts(accountId: string, now = Date.now()): SandboxContact[] {
  return SAMPLE_CONTACTS.map(({ created_days_ago, active_days_ago, ...sample }) => {
    const created_at = daysBefore(now, created_days_ago);
    return {
      id: randomUUID(),
      account_id: accountId,
      ...sample,
      tags: [...sample.tags],
      custom_attributes: { ...sample.custom_attributes },
      created_at,
      // Sample data never changed after it was created.
      updated_at: created_at,
      ...(active_days_ago !== undefined && { last_active_at: daysBefore(now, active_days_ago) }),
    };
  });
}

// ---- Generated contacts ------------------------------------------------------------------------------

export interface GenerateOptions {
  accountId: string;
  /** The moment dates count back from (default now). */
  now?: number;
  /** Same seed, same contacts (ids and the moment aside). */
  seed?: number;
  /** Days the creation dates spread over, oldest first (default 730). */
  spanDays?: number;
}

/** Names for generated contacts; the demo's sample CSV draws on them too. */
export const FIRST_NAMES: readonly string[] = [
  'Aarav',
  'Diya',
  'Kabir',
  'Ananya',
  'Rohan',
  'Isha',
  'Vikram',
  'Priya',
  'Arjun',
  'Sara',
  'Dev',
  'Nisha',
];
export const LAST_NAMES: readonly string[] = [
  'Sharma',
  'Iyer',
  'Khan',
  'Patel',
  'Reddy',
  'Das',
  'Menon',
  'Gupta',
  'Singh',
  'Fernandes',
  'Rao',
  'Bose',
];
/** Cities with their share; the spellings real exports have. What is left has no city. */
const CITIES: readonly [string, number][] = [
  ['Mumbai', 0.018],
  ['mumbai', 0.004],
  [' MUMBAI ', 0.003],
  ['Pune', 0.08],
  ['Delhi', 0.12],
  ['Bengaluru', 0.12],
  ['Chennai', 0.08],
  ['Hyderabad', 0.08],
  ['Kolkata', 0.07],
  ['Ahmedabad', 0.06],
  ['Jaipur', 0.05],
];
/** Tags, each with its chance; about 5% of contacts carry none. */
const TAGS: readonly [string, number][] = [
  ['newsletter', 0.5],
  ['trial', 0.15],
  ['mumbai-fair', 0.12],
  ['vip', 0.04],
  ['expo-2026', 0.06],
];
const PLANS = ['free', 'free', 'pro', 'enterprise'];

/** A small seeded generator (mulberry32): the same contacts on every run, no dependency. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/**
 * An age in days moved away from whole days (into [k + 0.05, k + 0.95]), keeping the order: a test that
 * asks for "7d" a few seconds (up to an hour) after the contacts were made gets the same answer as one
 * computed at their making.
 */
function offBoundary(days: number): number {
  const whole = Math.floor(days);
  return whole + 0.05 + 0.9 * (days - whole);
}

/**
 * `count` contacts in creation order: cities (a few spelled " MUMBAI " or "mumbai", some under the key
 * "City", about 30% none), email for 70%, a plan; tags as TAGS; created over `spanDays`; 2% never
 * active, one in thirty quiet for more than 90 days, the rest active in the last 60.
 */
export function generateContacts(count: number, options: GenerateOptions): SandboxContact[] {
  const { accountId, now = Date.now(), seed = 1, spanDays = 730 } = options;
  const next = random(seed);
  const pick = <T>(table: readonly [T, number][]): T | undefined => {
    let roll = next();
    for (const [value, share] of table) {
      if (roll < share) return value;
      roll -= share;
    }
    return undefined;
  };
  const contacts: SandboxContact[] = [];
  for (let i = 0; i < count; i++) {
    const first = FIRST_NAMES[i % FIRST_NAMES.length]!;
    const last = LAST_NAMES[Math.floor(i / FIRST_NAMES.length) % LAST_NAMES.length]!;
    const createdDaysAgo = offBoundary((spanDays * (count - i)) / count);
    const created_at = daysBefore(now, createdDaysAgo);
    const attributes: Record<string, unknown> = { plan: PLANS[Math.floor(next() * PLANS.length)] };
    const city = pick(CITIES);
    if (city !== undefined) attributes[next() < 0.02 ? 'City' : 'city'] = city;
    if (next() < 0.7) attributes['email'] = `${first}.${last}${i}@example.com`.toLowerCase();
    const tags = next() < 0.02 ? [] : TAGS.filter(([, share]) => next() < share).map(([tag]) => tag);
    if (tags.length === 0 && next() < 0.9) tags.push('newsletter');
    const activity = next();
    // Most contacts were active lately; one in thirty has been quiet for months; 2% never wrote at all.
    const activeDaysAgo =
      activity < 0.02
        ? undefined
        : Math.min(createdDaysAgo, offBoundary(activity < 0.053 ? 90 + next() * 400 : next() * 60));
    contacts.push({
      id: randomUUID(),
      account_id: accountId,
      phone_number: `+9198${String(i).padStart(8, '0')}`,
      name: `${first} ${last}`,
      tags,
      custom_attributes: attributes,
      created_at,
      updated_at: created_at,
      ...(activeDaysAgo !== undefined && { last_active_at: daysBefore(now, activeDaysAgo) }),
    });
  }
  return contacts;
}
