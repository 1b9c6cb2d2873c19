/**
 * What an import would change on contacts that exist already: the API's import upserts by phone number,
 * so a row whose number exists overwrites that contact's name and adds its tags (contract.ts). The
 * dry run reports these numbers, and an upload that would change more contacts than the confirmation
 * threshold asks the user first, as tag_contacts does (mcp/confirm.ts).
 *
 * The plan keeps, per phone number, what its rows would leave: a 53-bit hash of the last row's name (a
 * later row wins) and the set of tags its rows add, interned (most rows share a few sets). So its memory
 * is a few numbers per distinct number, not the file's text.
 */
import type { CallOptions, VobizClient } from '../vobiz/client.js';
import type { Contact } from '../vobiz/schemas.js';
import type { ContactRow } from './csv-rows.js';
import { findExisting, type PhoneSet } from './find-existing.js';

export class ImportPlan implements PhoneSet {
  private readonly slotOf = new Map<string, number>();
  private readonly nameHashes: number[] = [];
  private readonly tagSetOf: number[] = [];
  private readonly tagSets: string[][] = [];
  private readonly tagSetIds = new Map<string, number>();

  get size(): number {
    return this.slotOf.size;
  }

  phones(): IterableIterator<string> {
    return this.slotOf.keys();
  }

  has(phone: string): boolean {
    return this.slotOf.has(phone);
  }

  /** A valid row, in file order. */
  add(row: ContactRow): void {
    const slot = this.slotOf.get(row.phone_number);
    if (slot === undefined) {
      this.slotOf.set(row.phone_number, this.nameHashes.length);
      this.nameHashes.push(hash53(row.name));
      this.tagSetOf.push(this.intern(row.tags));
      return;
    }
    // The API applies a repeated number's rows in order: the last name stays, the tags add up.
    this.nameHashes[slot] = hash53(row.name);
    const before = this.tagSets[this.tagSetOf[slot] ?? 0] ?? [];
    if (row.tags.some((tag) => !before.includes(tag))) {
      this.tagSetOf[slot] = this.intern([...before, ...row.tags]);
    }
  }

  /** What the import would change on this existing contact. */
  changeOf(contact: Contact): { name: boolean; tags: boolean } {
    const slot = this.slotOf.get(contact.phone_number);
    if (slot === undefined) return { name: false, tags: false };
    const tags = this.tagSets[this.tagSetOf[slot] ?? 0] ?? [];
    return {
      name: hash53(contact.name) !== this.nameHashes[slot],
      tags: tags.some((tag) => !contact.tags.includes(tag)),
    };
  }

  private intern(tags: readonly string[]): number {
    const set = [...new Set(tags)].sort();
    const key = JSON.stringify(set);
    let id = this.tagSetIds.get(key);
    if (id === undefined) {
      id = this.tagSets.length;
      this.tagSets.push(set);
      this.tagSetIds.set(key, id);
    }
    return id;
  }
}

export interface ExistingChanges {
  /** Existing contacts the import would change (name overwritten, or tags added). */
  changed: number;
  namesOverwritten: number;
  tagsAdded: number;
  /** Numbers whose contact could not be told (a lookup too crowded to tell). */
  unknown: number;
  requests: number;
  /** Why not every number could be looked at, when that is so: then the counts are a floor. */
  incomplete?: unknown;
}

/** Counts what the plan would change on the account's contacts, reading them as the attribute phase does. */
export async function countExistingChanges(
  client: VobizClient,
  plan: ImportPlan,
  options: { signal: AbortSignal; call: () => CallOptions },
): Promise<ExistingChanges> {
  const counts: ExistingChanges = { changed: 0, namesOverwritten: 0, tagsAdded: 0, unknown: 0, requests: 0 };
  const found = await findExisting(
    client,
    plan,
    {
      found: (contact) => {
        const { name, tags } = plan.changeOf(contact);
        if (name) counts.namesOverwritten++;
        if (tags) counts.tagsAdded++;
        if (name || tags) counts.changed++;
        return !options.signal.aborted;
      },
      unknown: () => void counts.unknown++,
    },
    { ...options, onRequest: () => counts.requests++ },
  );
  if (found.incomplete !== undefined) counts.incomplete = found.incomplete;
  else if (options.signal.aborted) counts.incomplete = new Error('the call was cancelled');
  return counts;
}

/** cyrb53 (public domain): a fast 53-bit string hash; two different names collide about once in 2^53. */
function hash53(text: string): number {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ code, 2654435761);
    h2 = Math.imul(h2 ^ code, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}
