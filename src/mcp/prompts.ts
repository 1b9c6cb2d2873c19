/**
 * Prompts for the common jobs, so a user can start one from the client's prompt menu and the model
 * follows the safe order: look, dry-run, confirm, then change (and, for a segment, list what it made).
 */
import type { McpServer } from './sdk.js';
import { z } from 'zod';
import { importContactsCsv, listContacts, listTags, tagContacts } from '../tools/all-tools.js';

export function registerPrompts(server: McpServer, tools: ReadonlySet<string>): void {
  if (tools.has(tagContacts.name) && tools.has(listContacts.name)) {
    server.registerPrompt(
      'campaign_segment',
      {
        title: 'Build a campaign segment',
        description:
          'Describe an audience in words; the model turns it into a filter, dry-runs the tagging, asks you, tags them and lists the result.',
        argsSchema: {
          who: z
            .string()
            .describe('Which contacts, in words, e.g. "Mumbai contacts quiet for 90 days, not already vip".'),
          tag: z.string().describe('The tag that marks the segment, e.g. "win-back-mumbai".'),
        },
      },
      ({ who, tag }) => ({
        messages: [
          {
            role: 'user',
            content: {
              type: 'text',
              text: [
                `Build the campaign segment "${tag}" on Vobiz: ${who}.`,
                `1. If ${listTags.name} is available, call it to see the tags in use; if one already means this audience, tell me and ask whether to reuse it.`,
                `2. Turn the description into ${tagContacts.name} filters: \`where\` for attributes ({"attributes":{"city":"Mumbai"}}), missing values ({"missing_attributes":["email"]}), dates ({"created_after":"7d"}, {"inactive_for":"90d"}, {"active_within":"30d"}) and tags ({"tags_all":["vip"],"tags_none":["expo-2026"]}, {"untagged":true}); \`search\` for a name or number. Tell me the filter in plain words.`,
                `3. Call ${tagContacts.name} with that filter, add ["${tag}"] and dry_run true. Show me how many match and would change, the examples, and whether the scan read every contact; if it stopped early, say why and suggest a narrower filter or a larger max_scan.`,
                `4. Ask me to confirm. Only after I say yes, call ${tagContacts.name} again with the same filter and dry_run false. If it refuses because more than max_contacts match, tell me the count and ask before raising max_contacts.`,
                `5. Call ${listContacts.name} with tag "${tag}" and show me the first members and the total.`,
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
