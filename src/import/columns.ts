/**
 * Which columns of a CSV feed which field of a contact. The files people have are exports from other
 * tools (Shopify, HubSpot, Google Contacts, Outlook, spreadsheets), and none of them has the API's
 * `phone_number,name,tags` header, so the columns are either given (`columns`) or recognised by their
 * usual names, case and punctuation aside:
 * - phone: the API's phone_number, then WhatsApp, then mobile, then other phone columns; where the first
 *   is empty in a row, or holds a placeholder without a digit ("n/a", "-"), the next is tried (a HubSpot
 *   row may have a phone but no mobile);
 * - name: a name column, or first [+ middle] + last name joined;
 * - tags: the API's tags (comma-separated), or another tool's labels/groups/categories, whose own
 *   separators (`:::`, `;`) and system labels (Google's `* myContacts`) are read as that tool writes them.
 * A file whose phone column cannot be told (two equally likely ones) is refused with the candidates named.
 */
import { RESERVED_ATTRIBUTE_KEYS } from '../vobiz/contract.js';
import { renderText } from '../render.js';
import { ImportInputError } from './file-access.js';

/** The columns given by the caller: header names, one or several per field. */
export interface ColumnChoice {
  phone_number?: string | string[] | undefined;
  name?: string | string[] | undefined;
  tags?: string | string[] | undefined;
}

export interface TagColumn {
  index: number;
  /** Another tool's labels: split at `:::`, `;` and `,`, system labels (`* …`) dropped. */
  foreign: boolean;
}

/** Where each field is read from, by position in a record. */
export interface ColumnPlan {
  /** Tried in order: the first cell holding a digit is the number ("n/a" or "-" is no number). */
  phone: number[];
  /** Joined with spaces. */
  name: number[];
  tags: TagColumn[];
  attributes: { index: number; key: string }[];
  /** Cells in the header: a row with more was split by an unquoted separator. */
  count: number;
  /** For the dry run: which header fed which field. */
  used: { phone_number: string[]; name: string[]; tags: string[]; attributes: Record<string, string> };
}

/** "Phone 1 - Value" → "phone 1 value", "phone_number" → "phone number". */
export function headerKey(name: string): string {
  return name
    .replace(/^\uFEFF/, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/** "Lifecycle Stage" → "lifecycle_stage": the custom attribute a column becomes. */
export function attributeKey(header: string): string {
  return headerKey(header).replace(/ /g, '_');
}

const PHONE_TIERS: readonly (readonly string[])[] = [
  ['phone number'],
  ['whatsapp', 'whatsapp number', 'whatsapp phone', 'whatsapp no'],
  [
    'mobile',
    'mobile phone',
    'mobile number',
    'mobile phone number',
    'mobile no',
    'cell',
    'cell phone',
    'cellphone',
  ],
  [
    'phone',
    'telephone',
    'tel',
    'phone no',
    'contact number',
    'primary phone',
    'home phone',
    'business phone',
    'work phone',
    'other phone',
  ],
  ['default address phone', 'billing address phone', 'shipping address phone'],
];
/** Google Contacts' numbered columns: "Phone 1 - Value", "Phone 2 - Value", … taken in number order. */
const NUMBERED_PHONE = /^phone (\d+) value$/;
const FULL_NAME = ['name', 'full name', 'display name', 'contact name', 'customer name'];
const FIRST_NAME = ['first name', 'given name', 'firstname', 'first'];
const MIDDLE_NAME = ['middle name', 'additional name'];
const LAST_NAME = ['last name', 'family name', 'surname', 'lastname', 'last'];
const API_TAGS = 'tags';
const FOREIGN_TAGS = [
  'labels',
  'label',
  'groups',
  'group membership',
  'categories',
  'tag',
  'segments',
  'lists',
];

export function planColumns(
  header: readonly string[],
  label: string,
  choice: ColumnChoice = {},
  attributesFrom: readonly string[] = [],
): ColumnPlan {
  const keys = header.map(headerKey);
  const found = () =>
    header
      .slice(0, 30)
      .map((name) => renderText(name, { max: 40 }))
      .join(', ');
  const lookup = (name: string, field: string): number => {
    const index = keys.indexOf(headerKey(name));
    if (index === -1) {
      throw new ImportInputError(
        `${label} has no column ${renderText(name, { max: 60 })} for ${field}. Its columns: ${found()}.`,
      );
    }
    return index;
  };
  const given = (value: string | string[] | undefined) =>
    value === undefined ? undefined : typeof value === 'string' ? [value] : value;

  const phoneGiven = given(choice.phone_number);
  const phone = phoneGiven
    ? phoneGiven.map((n) => lookup(n, 'phone_number'))
    : recognisePhone(keys, header, label);
  if (phone.length === 0) {
    throw new ImportInputError(
      `${label} has no phone column (such as phone_number, Phone, Mobile, WhatsApp). Its columns: ${found()}. ` +
        'Pass columns, e.g. {"phone_number": "Phone 1 - Value"}.',
    );
  }
  const nameGiven = given(choice.name);
  const name = nameGiven ? nameGiven.map((n) => lookup(n, 'name')) : recogniseName(keys);
  if (name.length === 0) {
    throw new ImportInputError(
      `${label} has no name column (such as name, Full Name, or First Name and Last Name). Its columns: ${found()}. ` +
        'Pass columns, e.g. {"name": ["First Name", "Last Name"]}.',
    );
  }
  const tagsGiven = given(choice.tags);
  const tags: TagColumn[] = tagsGiven
    ? tagsGiven.map((n) => {
        const index = lookup(n, 'tags');
        return { index, foreign: keys[index] !== API_TAGS };
      })
    : keys.flatMap((key, index): TagColumn[] =>
        key === API_TAGS || FOREIGN_TAGS.includes(key) ? [{ index, foreign: key !== API_TAGS }] : [],
      );
  const attributes = attributesFrom.map((column) => {
    const index = lookup(column, 'attributes_from');
    const key = attributeKey(header[index] ?? column);
    if (key === '' || RESERVED_ATTRIBUTE_KEYS.includes(key)) {
      throw new ImportInputError(
        `Column ${renderText(column, { max: 60 })} cannot become a custom attribute (its key would be ${renderText(key, { max: 70 })}).`,
      );
    }
    return { index, key };
  });
  const names = (indexes: readonly number[]) => indexes.map((index) => header[index] ?? '');
  return {
    phone,
    name,
    tags,
    attributes,
    count: header.length,
    used: {
      phone_number: names(phone),
      name: names(name),
      tags: names(tags.map((t) => t.index)),
      attributes: Object.fromEntries(attributes.map(({ index, key }) => [header[index] ?? key, key])),
    },
  };
}

/** Phone columns in the order they are tried; a tie at the top between unnumbered columns is refused. */
function recognisePhone(keys: readonly string[], header: readonly string[], label: string): number[] {
  const candidates = keys
    .map((key, index) => {
      const numbered = NUMBERED_PHONE.exec(key);
      const tier = numbered ? 3 : PHONE_TIERS.findIndex((names) => names.includes(key));
      return { index, tier, number: numbered ? Number(numbered[1]) : 0 };
    })
    .filter((c) => c.tier !== -1)
    .sort((a, b) => a.tier - b.tier || a.number - b.number || a.index - b.index);
  const [first, second] = candidates;
  if (first && second && first.tier === second.tier && first.number === 0 && second.number === 0) {
    const tied = candidates
      .filter((c) => c.tier === first.tier)
      .map((c) => renderText(header[c.index] ?? ''));
    throw new ImportInputError(
      `${label} has several phone columns and none is clearly the one: ${tied.join(', ')}. Pass columns, ` +
        `e.g. {"phone_number": ${renderText(header[first.index] ?? '', { max: 60 })}} (a list is tried in order where a cell is empty).`,
    );
  }
  return candidates.map((c) => c.index);
}

function recogniseName(keys: readonly string[]): number[] {
  const full = keys.findIndex((key) => FULL_NAME.includes(key));
  if (full !== -1) return [full];
  return [FIRST_NAME, MIDDLE_NAME, LAST_NAME]
    .map((names) => keys.findIndex((key) => names.includes(key)))
    .filter((index) => index !== -1);
}

/**
 * Another tool's labels cell as tags: `* myContacts ::: Friends ::: expo-2026` → ["Friends", "expo-2026"].
 * Google separates labels with ` ::: ` and marks its own with `* `; Outlook separates categories with `;`.
 */
export function splitForeignTags(cell: string): string[] {
  const tags = new Set<string>(); // linear: a cell may hold thousands of labels
  for (const part of cell.split(/:::|[;,]/)) {
    const tag = part.trim();
    if (tag !== '' && !tag.startsWith('* ')) tags.add(tag);
  }
  return [...tags];
}
