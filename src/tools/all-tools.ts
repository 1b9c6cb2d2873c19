/**
 * The tools, in the order a client lists them. Everything else about a tool — whether it only reads
 * (its readOnlyHint), its name for prompts and settings — is read from its declaration.
 */
import { cancelJob } from './cancel-job.js';
import { createContact } from './create-contact.js';
import { deleteContact } from './delete-contact.js';
import { getContact } from './get-contact.js';
import { getJob } from './get-job.js';
import { importContactsCsv } from './import-contacts-csv/import-contacts-csv.js';
import { listContacts } from './list-contacts/list-contacts.js';
import { listTags } from './list-tags.js';
import { tagContacts } from './tag-contacts.js';
import type { ToolDefinition } from '../mcp/tool.js';
import { updateContact } from './update-contact.js';

export {
  cancelJob,
  createContact,
  deleteContact,
  getContact,
  getJob,
  importContactsCsv,
  listContacts,
  listTags,
  tagContacts,
  updateContact,
};

export const TOOLS: readonly ToolDefinition[] = [
  listContacts,
  getContact,
  listTags,
  createContact,
  updateContact,
  tagContacts,
  deleteContact,
  importContactsCsv,
  getJob,
  cancelJob,
];

export const TOOL_NAMES: readonly string[] = TOOLS.map((tool) => tool.name);
