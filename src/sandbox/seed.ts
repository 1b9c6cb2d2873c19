/**
 * The sample contacts a fresh sandbox starts with, so that listing, searching and tag filters show
 * something realistic at once: several countries, the tags campaigns target, custom attributes, and
 * contacts with and without recent activity. Creation dates are fixed and ascending, in list order.
 */
import { randomUUID } from 'node:crypto';
import type { SandboxContact } from './store.js';

interface SampleContact {
  phone_number: string;
  name: string;
  tags: string[];
  custom_attributes: Record<string, unknown>;
  created_at: string;
  last_active_at?: string;
}

const SAMPLE_CONTACTS: readonly SampleContact[] = [
  {
    phone_number: '+919876543210',
    name: 'Rahul Sharma',
    tags: ['vip', 'enterprise'],
    custom_attributes: { city: 'Mumbai', plan: 'enterprise' },
    created_at: '2025-01-08T09:15:00.000Z',
    last_active_at: '2025-10-10T14:02:11.000Z',
  },
  {
    phone_number: '+919812345678',
    name: 'Priya Patel',
    tags: ['newsletter'],
    custom_attributes: { city: 'Ahmedabad', language: 'gu' },
    created_at: '2025-02-14T11:30:00.000Z',
    last_active_at: '2025-09-28T08:45:00.000Z',
  },
  {
    phone_number: '+14155550123',
    name: 'Emily Johnson',
    tags: ['vip', 'newsletter'],
    custom_attributes: { company: 'Northwind Traders', timezone: 'America/Los_Angeles' },
    created_at: '2025-03-02T17:05:00.000Z',
  },
  {
    phone_number: '+12125550187',
    name: 'Michael Chen',
    tags: ['enterprise'],
    custom_attributes: { company: 'Contoso Ltd', seats: 250 },
    created_at: '2025-03-19T13:40:00.000Z',
    last_active_at: '2025-10-01T19:20:33.000Z',
  },
  {
    phone_number: '+447700900123',
    name: 'Oliver Smith',
    tags: ['newsletter'],
    custom_attributes: {},
    created_at: '2025-04-07T08:00:00.000Z',
  },
  {
    phone_number: '+5511987654321',
    name: 'Ana Souza',
    tags: ['vip'],
    custom_attributes: { city: 'São Paulo', language: 'pt-BR' },
    created_at: '2025-05-21T15:25:00.000Z',
    last_active_at: '2025-10-11T10:10:10.000Z',
  },
  {
    phone_number: '+971501234567',
    name: 'Fatima Al Mansoori',
    tags: ['enterprise', 'vip'],
    custom_attributes: { company: 'Gulf Logistics', preferred_contact: 'whatsapp' },
    created_at: '2025-06-11T06:50:00.000Z',
  },
  {
    phone_number: '+4915112345678',
    name: 'Lukas Müller',
    tags: [],
    custom_attributes: { language: 'de' },
    created_at: '2025-07-03T12:12:00.000Z',
  },
  {
    phone_number: '+917022334455',
    name: 'Ananya Iyer',
    tags: ['newsletter', 'trial'],
    custom_attributes: { city: 'Bengaluru', signup_source: 'website' },
    created_at: '2025-08-16T04:35:00.000Z',
    last_active_at: '2025-10-12T07:30:00.000Z',
  },
  {
    phone_number: '+61412345678',
    name: 'Jack Wilson',
    tags: ['trial'],
    custom_attributes: {},
    created_at: '2025-09-09T22:05:00.000Z',
  },
];

export function sampleContacts(accountId: string): SandboxContact[] {
  return SAMPLE_CONTACTS.map(({ last_active_at, ...sample }) => ({
    id: randomUUID(),
    account_id: accountId,
    ...sample,
    tags: [...sample.tags],
    custom_attributes: { ...sample.custom_attributes },
    // Sample data never changed after it was created.
    updated_at: sample.created_at,
    ...(last_active_at === undefined ? {} : { last_active_at }),
  }));
}
