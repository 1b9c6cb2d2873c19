/**
 * Prompts for the common jobs, so a user can start one from the client's prompt menu and the model
 * follows the safe order: look, dry-run, confirm, then change.
 */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { importContactsCsv, listContacts, listTags, tagContacts } from './tools/index.js';

export function registerPrompts(server: McpServer, tools: ReadonlySet<string>): void {
  if (tools.has(tagContacts.name) && tools.has(listContacts.name)) {
    server.registerPrompt(
      'tag_segment',
      {
        title: 'Tag a segment of contacts',
        description: 'Find the contacts that match a description and tag them, with a dry run first.',
        argsSchema: {
          who: z.string().describe('Which contacts, in words, e.g. "everyone from the Mumbai fair".'),
          tag: z.string().describe('The tag to add, e.g. "expo-2026".'),
        },
      },
      ({ who, tag }) => ({
        messages: [
          {
            role: 'user',
            content: {
              type: 'text',
              text: [
                `Tag ${who} with "${tag}" on Vobiz.`,
                `1. Call ${listTags.name} to see the segments that exist; reuse an existing tag if one means the same.`,
                `2. Find the contacts with ${listContacts.name} (search and/or tag) and tell me how you chose them.`,
                `3. Call ${tagContacts.name} with that filter (or the ids), add ["${tag}"] and dry_run true; show me the counts and examples.`,
                `4. Only after I confirm, call ${tagContacts.name} again with dry_run false, and report the result.`,
              ].join('\n'),
            },
          },
        ],
      }),
    );
  }
  if (tools.has(importContactsCsv.name)) {
    server.registerPrompt(
      'clean_import',
      {
        title: 'Check and import a CSV',
        description: 'Check a contacts CSV, fix what can be fixed, and import it.',
        argsSchema: {
          file_path: z.string().describe('Absolute path of the CSV file.'),
          default_country: z.string().optional().describe('ISO code for local numbers, e.g. "IN".'),
        },
      },
      ({ file_path, default_country }) => ({
        messages: [
          {
            role: 'user',
            content: {
              type: 'text',
              text: [
                `Import the contacts in ${file_path} into Vobiz.`,
                `1. Call ${importContactsCsv.name} with file_path "${file_path}"${default_country ? `, default_country "${default_country}"` : ''} and dry_run true.`,
                '2. Show me the counts, the invalid rows and the tags. If many numbers lack a country code, suggest default_country.',
                '3. Only after I confirm, run the same call with dry_run false, and summarise what was created, updated and failed.',
              ].join('\n'),
            },
          },
        ],
      }),
    );
  }
}
