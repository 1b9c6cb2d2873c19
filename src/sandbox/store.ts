/**
 * The sandbox's contacts, in memory: CRUD, search and pagination, and the import's upsert by phone
 * number. A Map keeps insertion order, which is creation order, the list order the contract promises.
 * Callers get copies, never the stored objects, so nothing outside can change state behind the store.
 */
import { randomUUID } from 'node:crypto';
import { SANDBOX_FIELD_LIMITS } from '../vobiz/contract.js';
import type { ListQuery, ValidContactChanges, ValidContactInput } from './validation.js';

/** A contact as the API returns it; a type alias (not an interface) so it also fits the zod `Contact`. */
export type SandboxContact = {
  id: string;
  account_id: string;
  phone_number: string;
  name: string;
  tags: string[];
  custom_attributes: Record<string, unknown>;
  /** Omitted when the contact had no activity. */
  last_active_at?: string;
  created_at: string;
  updated_at: string;
};

export interface ContactListPage {
  items: SandboxContact[];
  total: number;
  page: number;
  limit: number;
  has_more: boolean;
}

export interface ImportedRow {
  phone_number: string;
  name: string;
  tags: string[];
}

export type UpsertResult = { outcome: 'created' | 'updated' } | { outcome: 'failed'; reason: string };

export class DuplicatePhoneError extends Error {
  constructor(
    readonly phoneNumber: string,
    readonly existingId: string,
  ) {
    super(`a contact with phone_number ${phoneNumber} already exists`);
    this.name = 'DuplicatePhoneError';
  }
}

export class ContactStore {
  private readonly byId = new Map<string, SandboxContact>();
  private readonly idByPhone = new Map<string, string>();
  private mutationCount = 0;
  /** While set, filtered lists read these copies instead of the contacts: see freezeSearchIndex. */
  private staleIndex: { contacts: SandboxContact[]; requestsLeft: number } | undefined;

  constructor(
    readonly accountId: string,
    initial: readonly SandboxContact[] = [],
  ) {
    for (const contact of initial) this.insert(copyContact(contact));
  }

  get size(): number {
    return this.byId.size;
  }

  /** Increases on every change, so a caller can tell whether a request changed anything. */
  get version(): number {
    return this.mutationCount;
  }

  has(id: string): boolean {
    return this.byId.has(id);
  }

  get(id: string): SandboxContact | undefined {
    const contact = this.byId.get(id);
    return contact && copyContact(contact);
  }

  create(input: ValidContactInput): SandboxContact {
    const existingId = this.idByPhone.get(input.phone_number);
    if (existingId !== undefined) throw new DuplicatePhoneError(input.phone_number, existingId);
    return copyContact(this.createStored(input));
  }

  /** Applies only the given fields; undefined when there is no such contact. */
  update(id: string, changes: ValidContactChanges): SandboxContact | undefined {
    const contact = this.byId.get(id);
    return contact && copyContact(this.updateStored(contact, changes));
  }

  // The import path uses the *Stored methods directly: copying every row's contact would be wasted work.
  private createStored(input: ValidContactInput): SandboxContact {
    const now = new Date().toISOString();
    const contact: SandboxContact = {
      id: randomUUID(),
      account_id: this.accountId,
      phone_number: input.phone_number,
      name: input.name,
      tags: [...input.tags],
      custom_attributes: { ...input.custom_attributes },
      created_at: now,
      updated_at: now,
    };
    this.insert(contact);
    this.mutationCount += 1;
    return contact;
  }

  private updateStored(contact: SandboxContact, changes: ValidContactChanges): SandboxContact {
    if (changes.name !== undefined) contact.name = changes.name;
    if (changes.tags !== undefined) contact.tags = [...changes.tags];
    if (changes.custom_attributes !== undefined) contact.custom_attributes = { ...changes.custom_attributes };
    contact.updated_at = timestampAfter(contact.updated_at);
    this.mutationCount += 1;
    return contact;
  }

  delete(id: string): boolean {
    const contact = this.byId.get(id);
    if (!contact) return false;
    this.byId.delete(id);
    this.idByPhone.delete(contact.phone_number);
    this.mutationCount += 1;
    return true;
  }

  /** Deletes the first `count` contacts the query's filters match, in list order; how many it deleted. */
  deleteFirstMatching(query: Pick<ListQuery, 'search' | 'tag'>, count: number): number {
    const matches = contactFilter(query);
    const doomed: string[] = [];
    for (const contact of this.byId.values()) {
      if (doomed.length >= count) break;
      if (matches(contact)) doomed.push(contact.id);
    }
    for (const id of doomed) this.delete(id);
    return doomed.length;
  }

  /**
   * A stale search index: from now, list requests with a `search` or `tag` filter are answered from
   * the contacts as they are now — matched on their present names and tags, and answered as they are
   * now (items included), so a contact updated or deleted later still shows under its old tag or name,
   * and one created later does not show — for the next `requests` such requests (default: until
   * refreshSearchIndex()). An unfiltered list reads the contacts themselves, as an API's database
   * would. One copy of the contacts, taken now.
   */
  freezeSearchIndex(requests = Infinity): void {
    if (!(requests === Infinity || (Number.isInteger(requests) && requests > 0))) {
      throw new RangeError(`requests must be a positive integer or Infinity, got ${requests}`);
    }
    this.staleIndex = { contacts: Array.from(this.byId.values(), copyContact), requestsLeft: requests };
  }

  /** The search index catches up: filtered lists read the contacts again. */
  refreshSearchIndex(): void {
    this.staleIndex = undefined;
  }

  list(query: ListQuery): ContactListPage {
    const matches = contactFilter(query);
    const start = (query.page - 1) * query.limit;
    const items: SandboxContact[] = [];
    let total = 0;
    // One pass that counts every match but copies only the page's.
    for (const contact of this.listSource(query)) {
      if (!matches(contact)) continue;
      if (total >= start && items.length < query.limit) items.push(copyContact(contact));
      total += 1;
    }
    return { items, total, page: query.page, limit: query.limit, has_more: start + items.length < total };
  }

  private listSource(query: Pick<ListQuery, 'search' | 'tag'>): Iterable<SandboxContact> {
    const index = this.staleIndex;
    if (index === undefined || (query.search === undefined && query.tag === undefined)) {
      return this.byId.values();
    }
    index.requestsLeft -= 1;
    if (index.requestsLeft <= 0) this.staleIndex = undefined;
    return index.contacts;
  }

  /**
   * The import's upsert: a new number is created; a known one has its name overwritten and the row's
   * tags added to its own (contract.ts: nothing is lost).
   */
  upsertByPhone(row: ImportedRow): UpsertResult {
    const existingId = this.idByPhone.get(row.phone_number);
    const existing = existingId === undefined ? undefined : this.byId.get(existingId);
    if (!existing) {
      this.createStored({ ...row, custom_attributes: {} });
      return { outcome: 'created' };
    }
    // A Set, in linear time: a row may carry many tags (first occurrence kept, existing ones first).
    const tags = [...new Set([...existing.tags, ...row.tags])];
    if (tags.length > SANDBOX_FIELD_LIMITS.tagsPerContact) {
      return {
        outcome: 'failed',
        reason: `too many tags: the contact would have ${tags.length} (at most ${SANDBOX_FIELD_LIMITS.tagsPerContact})`,
      };
    }
    this.updateStored(existing, { name: row.name, tags });
    return { outcome: 'updated' };
  }

  /** Copies of every contact, in creation order. */
  snapshot(): SandboxContact[] {
    return Array.from(this.byId.values(), copyContact);
  }

  /** The whole state as JSON, for persistence; synchronous, so it is always one consistent state. */
  /** The persisted state: `extra` (the tokens) beside the contacts. */
  serialize(extra: Record<string, unknown> = {}): string {
    return JSON.stringify({ version: 1, ...extra, contacts: Array.from(this.byId.values()) });
  }

  private insert(contact: SandboxContact): void {
    this.byId.set(contact.id, contact);
    this.idByPhone.set(contact.phone_number, contact.id);
  }
}

function contactFilter(query: Pick<ListQuery, 'search' | 'tag'>): (contact: SandboxContact) => boolean {
  const { tag } = query;
  const nameNeedle = query.search?.toLowerCase();
  const compactSearch = query.search?.replace(/[\s().-]/g, '');
  // Only a search that looks like (part of) a phone number is matched against phone numbers.
  const phoneNeedle =
    compactSearch !== undefined && /^\+?\d+$/.test(compactSearch) ? compactSearch : undefined;
  return (contact) => {
    if (tag !== undefined && !contact.tags.includes(tag)) return false;
    if (nameNeedle === undefined) return true;
    if (phoneNeedle !== undefined && contact.phone_number.includes(phoneNeedle)) return true;
    return contact.name.toLowerCase().includes(nameNeedle);
  };
}

/** Now, or 1 ms after `previous` if the clock has not moved on: an update always moves `updated_at`. */
function timestampAfter(previous: string): string {
  const previousMs = Date.parse(previous);
  const now = Date.now();
  return new Date(Number.isNaN(previousMs) ? now : Math.max(now, previousMs + 1)).toISOString();
}

function copyContact(contact: SandboxContact): SandboxContact {
  return structuredClone(contact);
}
