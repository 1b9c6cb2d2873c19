/**
 * The registry of tools: each entry names a tool, says whether it only reads, and registers it. The
 * server registers the entries its configuration selects.
 */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { ToolContext } from './context.js';
import { CREATE_CONTACT, registerCreateContact } from './create-contact.js';
import { DELETE_CONTACT, registerDeleteContact } from './delete-contact.js';
import { GET_CONTACT, registerGetContact } from './get-contact.js';
import { IMPORT_CONTACTS_CSV, registerImportContactsCsv } from './import-contacts-csv.js';
import { LIST_CONTACTS, registerListContacts } from './list-contacts.js';
import { LIST_TAGS, registerListTags } from './list-tags.js';
import { TAG_CONTACTS, registerTagContacts } from './tag-contacts.js';
import { UPDATE_CONTACT, registerUpdateContact } from './update-contact.js';

export interface ToolEntry {
  name: string;
  readOnly: boolean;
  register: (server: McpServer, context: ToolContext) => void;
}

export const TOOLS: readonly ToolEntry[] = [
  { name: LIST_CONTACTS, readOnly: true, register: registerListContacts },
  { name: GET_CONTACT, readOnly: true, register: registerGetContact },
  { name: LIST_TAGS, readOnly: true, register: registerListTags },
  { name: CREATE_CONTACT, readOnly: false, register: registerCreateContact },
  { name: UPDATE_CONTACT, readOnly: false, register: registerUpdateContact },
  { name: TAG_CONTACTS, readOnly: false, register: registerTagContacts },
  { name: DELETE_CONTACT, readOnly: false, register: registerDeleteContact },
  { name: IMPORT_CONTACTS_CSV, readOnly: false, register: registerImportContactsCsv },
];

export const TOOL_NAMES: readonly string[] = TOOLS.map((tool) => tool.name);
