/**
 * What a segment selects, contact by contact: ages and dates, attribute equality as a person means it
 * (case, spacing, "City" for "city", a list holding the value), missing values, tags, and the filters
 * that can match nothing.
 */
import { describe, expect, it } from 'vitest';
import {
  contradiction,
  matchSegment,
  parseTimePoint,
  requiredTags,
  type Segment,
} from '../../src/bulk/segment.js';
import type { Contact } from '../../src/vobiz/schemas.js';

const NOW = Date.parse('2026-06-15T12:00:00Z');
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const contact = (fields: Partial<Contact>): Contact => ({
  id: 'c1',
  phone_number: '+919876543210',
  name: 'Test',
  tags: [],
  custom_attributes: {},
  created_at: '2026-01-01T00:00:00Z',
  ...fields,
});
const matches = (segment: Segment, fields: Partial<Contact>) =>
  matchSegment(segment, NOW).test(contact(fields));

describe('ages and dates', () => {
  it.each([
    ['7d', 7 * DAY, '7d'],
    ['2w', 14 * DAY, '2w'],
    ['12h', 12 * HOUR, '12h'],
    [' 90 days ', 90 * DAY, '90d'],
    ['1 week', 7 * DAY, '1w'],
    ['36 Hours', 36 * HOUR, '36h'],
  ])('reads the age %j', (text, ms, canonical) => {
    expect(parseTimePoint(text)).toEqual({ kind: 'age', ms, text: canonical });
  });

  it.each([
    ['2026-01-31', '2026-01-31T00:00:00.000Z'],
    ['2026-01-31T09:30', '2026-01-31T09:30:00.000Z'],
    ['2026-01-31T09:30:15Z', '2026-01-31T09:30:15.000Z'],
    ['2026-01-31T09:30:00+05:30', '2026-01-31T04:00:00.000Z'],
    ['2026-01-31 09:30:00.250-0100', '2026-01-31T10:30:00.250Z'],
  ])('reads the date %j (UTC unless it says otherwise)', (text, iso) => {
    const point = parseTimePoint(text);
    expect(point?.kind).toBe('instant');
    expect(new Date(point!.ms).toISOString()).toBe(iso);
  });

  it.each([
    '',
    '7',
    '3 months',
    '7x',
    'd7',
    '2026-02-30',
    '2026-13-01',
    '2026-01-31T24:00',
    '31/01/2026',
    'yesterday',
  ])('refuses %j', (text) => expect(parseTimePoint(text)).toBeUndefined());
});

describe('matching', () => {
  it('compares attribute text case-insensitively and trimmed, under a key of any case', () => {
    const segment = { attributes: { city: 'Mumbai' } };
    expect(matches(segment, { custom_attributes: { city: ' MUMBAI ' } })).toBe(true);
    expect(matches(segment, { custom_attributes: { City: 'mumbai' } })).toBe(true);
    expect(matches(segment, { custom_attributes: { city: 'Navi Mumbai' } })).toBe(false);
    expect(matches(segment, { custom_attributes: {} })).toBe(false);
  });

  it('matches one of several values, numbers and booleans as their text, and a value in a list', () => {
    const oneOf = { attributes: { city: ['Mumbai', 'Pune'] } };
    expect(matches(oneOf, { custom_attributes: { city: 'pune' } })).toBe(true);
    expect(matches(oneOf, { custom_attributes: { city: 'Delhi' } })).toBe(false);
    expect(matches({ attributes: { seats: 250 } }, { custom_attributes: { seats: '250' } })).toBe(true);
    expect(matches({ attributes: { opted_in: true } }, { custom_attributes: { opted_in: 'TRUE' } })).toBe(
      true,
    );
    expect(
      matches({ attributes: { language: 'de' } }, { custom_attributes: { language: ['en', 'de'] } }),
    ).toBe(true);
    expect(matches({ attributes: { meta: 'x' } }, { custom_attributes: { meta: { nested: 'x' } } })).toBe(
      false,
    );
  });

  it('counts an attribute as missing when absent, null, blank or an empty list', () => {
    const segment = { missing_attributes: ['email'] };
    for (const email of [undefined, null, '', '  ', []]) {
      const attributes = email === undefined ? {} : { email };
      expect(matches(segment, { custom_attributes: attributes }), JSON.stringify(email)).toBe(true);
    }
    expect(matches(segment, { custom_attributes: { Email: 'a@b.c' } })).toBe(false);
  });

  it('reads created_after as from, created_before as before: together, a half-open interval', () => {
    const january = { created_after: '2026-01-01', created_before: '2026-02-01' };
    expect(matches(january, { created_at: '2026-01-01T00:00:00Z' })).toBe(true);
    expect(matches(january, { created_at: '2026-01-31T23:59:59.999Z' })).toBe(true);
    expect(matches(january, { created_at: '2026-02-01T00:00:00Z' })).toBe(false);
    expect(matches(january, { created_at: '2025-12-31T23:59:59Z' })).toBe(false);
    const lastWeek = { created_after: '7d' };
    expect(matches(lastWeek, { created_at: new Date(NOW - 6 * DAY).toISOString() })).toBe(true);
    expect(matches(lastWeek, { created_at: new Date(NOW - 8 * DAY).toISOString() })).toBe(false);
  });

  it('counts never active as inactive, and neither active nor inactive when the date is unreadable', () => {
    const quiet = { inactive_for: '90d' };
    expect(matches(quiet, {})).toBe(true);
    expect(matches(quiet, { last_active_at: new Date(NOW - 91 * DAY).toISOString() })).toBe(true);
    expect(matches(quiet, { last_active_at: new Date(NOW - 89 * DAY).toISOString() })).toBe(false);
    expect(
      matches({ active_within: '12h' }, { last_active_at: new Date(NOW - 11 * HOUR).toISOString() }),
    ).toBe(true);
    expect(matches({ active_within: '12h' }, {})).toBe(false);

    const matcher = matchSegment({ inactive_for: '90d' }, NOW);
    expect(matcher.test(contact({ last_active_at: 'not a date' }))).toBe(false);
    const created = matchSegment({ created_after: '7d' }, NOW);
    const { created_at: _dropped, ...undated } = contact({});
    expect(created.test(undated as Contact)).toBe(false);
    expect(matcher.undated + created.undated).toBe(2);
  });

  it('applies tags_all, tags_any, tags_none and untagged exactly, case and all', () => {
    const segment = { tags_all: ['vip'], tags_none: ['expo-2026'] };
    expect(matches(segment, { tags: ['vip', 'newsletter'] })).toBe(true);
    expect(matches(segment, { tags: ['vip', 'expo-2026'] })).toBe(false);
    expect(matches(segment, { tags: ['VIP'] })).toBe(false);
    expect(matches({ tags_any: ['a', 'b'] }, { tags: ['b'] })).toBe(true);
    expect(matches({ tags_any: ['a', 'b'] }, { tags: ['c'] })).toBe(false);
    expect(matches({ untagged: true }, { tags: [] })).toBe(true);
    expect(matches({ untagged: true }, { tags: ['x'] })).toBe(false);
    expect(matches({ untagged: false }, { tags: ['x'] })).toBe(true);
  });

  it('holds all conditions together', () => {
    const segment: Segment = { attributes: { city: 'Mumbai' }, inactive_for: '30d', tags_none: ['win-back'] };
    const base = { custom_attributes: { city: 'Mumbai' }, tags: ['vip'] };
    expect(matches(segment, base)).toBe(true);
    expect(matches(segment, { ...base, tags: ['win-back'] })).toBe(false);
    expect(matches(segment, { ...base, last_active_at: new Date(NOW - DAY).toISOString() })).toBe(false);
  });
});

describe('what the API can narrow by, and filters that match nothing', () => {
  it('offers every tag of tags_all, and the tag of a one-tag tags_any', () => {
    expect(requiredTags({ tags_all: ['a', 'b'] })).toEqual(['a', 'b']);
    expect(requiredTags({ tags_any: ['a'] })).toEqual(['a']);
    expect(requiredTags({ tags_any: ['a', 'b'] })).toEqual([]);
    expect(requiredTags({ tags_none: ['a'], untagged: false })).toEqual([]);
  });

  it.each<[Segment, RegExp]>([
    [{ untagged: true, tags_any: ['a'] }, /untagged: true cannot hold/],
    [{ tags_all: ['a'], tags_none: ['a'] }, /both name "a"/],
    [{ tags_any: ['a', 'b'], tags_none: ['b', 'a'] }, /every tag of tags_any/],
    [{ created_after: '7d', created_before: '30d' }, /created_after is not earlier/],
    [{ active_within: '2026-06-01', inactive_for: '2026-05-01' }, /exclude each other/],
  ])('refuses %j', (segment, message) => {
    expect(contradiction(segment, NOW)).toMatch(message);
  });

  it('lets through filters that can match', () => {
    expect(
      contradiction(
        { created_after: '30d', created_before: '7d', inactive_for: '7d', active_within: '30d' },
        NOW,
      ),
    ).toBe(undefined);
  });
});
