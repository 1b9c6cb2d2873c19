import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallOptions, NewContact, VobizClient } from '../vobiz/client.js';
import { E164_EXAMPLE } from '../vobiz/contract.js';
import { VobizHttpError } from '../vobiz/errors.js';
import { findContactByPhone } from '../vobiz/find-contact.js';
import { backoffMs, classifyFailure, retryRecordOf, sleep } from '../vobiz/retry.js';
import type { Contact } from '../vobiz/schemas.js';
import { ContactOutputSchema, formatContactLine, toContactOutput } from './contact-output.js';
import type { ToolContext } from './context.js';
import { customAttributesField, nameField, phoneNumberField, tagsField } from './fields.js';
import { errorResult, failureResult, successResult } from './results.js';

export const CREATE_CONTACT = 'create_contact';

export function registerCreateContact(server: McpServer, { client }: ToolContext): void {
  server.registerTool(
    CREATE_CONTACT,
    {
      title: 'Create a contact',
      description:
        'Create one WhatsApp contact on Vobiz. The phone number must be E.164 (e.g. ' +
        `${E164_EXAMPLE}) and is unique per account: search with list_contacts first, and use ` +
        'update_contact for a number that already exists. Tags are how campaigns pick their audience. ' +
        'Returns the new contact with its id. For many contacts at once use import_contacts_csv.',
      inputSchema: {
        phone_number: phoneNumberField,
        name: nameField,
        tags: tagsField.optional(),
        custom_attributes: customAttributesField.optional(),
      },
      outputSchema: ContactOutputSchema.shape,
      annotations: {
        readOnlyHint: false,
        destructiveHint: false,
        idempotentHint: false,
        openWorldHint: true,
      },
    },
    async (args, extra) => {
      const action = `create the contact ${args.phone_number}`;
      const outcome = await createWithoutDuplicates(client, args, client.startCall(extra.signal));
      switch (outcome.kind) {
        case 'created': {
          const contact = toContactOutput(outcome.contact);
          return successResult(contact, `Created: ${formatContactLine(contact)}`);
        }
        case 'found_applied': {
          const contact = toContactOutput(outcome.contact);
          return successResult(
            contact,
            `Created: ${formatContactLine(contact)} (Vobiz did not confirm the first attempt — ` +
              `${describeCause(outcome.cause)} — but a lookup by phone number showed the first attempt had been ` +
              'applied; nothing was created twice.)',
          );
        }
        case 'found_different': {
          const existing = toContactOutput(outcome.contact);
          return errorResult(
            `Could not confirm that the contact was created: ${describeCause(outcome.cause)}. A contact with ` +
              `${args.phone_number} exists, but it is not the one that was sent (it may have existed before, or ` +
              `been created by someone else): ${formatContactLine(existing)}. Nothing else was changed. Use ` +
              'update_contact with that id to change it.',
          );
        }
        case 'failed':
          return failureResult(outcome.error, {
            action,
            writes: true,
            verifiedUnchanged: outcome.verifiedNotApplied,
            attempts: outcome.requests,
          });
        case 'lookup_failed':
          return errorResult(
            `Could not tell whether the contact ${args.phone_number} was created: the create got ` +
              `${describeCause(outcome.error)}, and the lookup by phone number that should have told got ` +
              `${describeCause(outcome.lookupError)}. The outcome is unknown: before calling create_contact ` +
              `again, check with list_contacts (search "${args.phone_number}") whether the contact exists.`,
          );
      }
    },
  );
}

export type CreateOutcome =
  /** Vobiz confirmed the create. */
  | { kind: 'created'; contact: Contact }
  /** An attempt's outcome was unknown; the lookup found the contact as it was sent: it had been applied. */
  | { kind: 'found_applied'; contact: Contact; cause: unknown }
  /** An attempt's outcome was unknown; the lookup found a contact with the number, but not the one sent. */
  | { kind: 'found_different'; contact: Contact; cause: unknown }
  /**
   * The create failed; `verifiedNotApplied` when a lookup showed that an attempt of unknown outcome had
   * changed nothing; `requests` counts every POST sent, the client's own retries (after a 429) included.
   */
  | { kind: 'failed'; error: unknown; verifiedNotApplied: boolean; requests: number }
  /** An attempt's outcome was unknown and the lookup that should have told failed too. */
  | { kind: 'lookup_failed'; error: unknown; lookupError: unknown };

/**
 * POST /contacts is not safe to repeat blindly: a create whose outcome is unknown (a 5xx, a timeout, a
 * dropped connection, an unreadable answer) may have been applied. So after one, the phone number is
 * looked up first: if the contact is there, the first attempt landed and it is returned; if not, the
 * create is sent again, at most `maxRetries` times. A 409 after such an attempt is checked the same
 * way, since it may be our own earlier attempt that landed late.
 */
export async function createWithoutDuplicates(
  client: VobizClient,
  contact: NewContact,
  call: CallOptions,
): Promise<CreateOutcome> {
  const policy = client.retryPolicy;
  let unknownCause: unknown;
  let requests = 0;
  for (let creates = 1; ; creates++) {
    let error: unknown;
    try {
      return { kind: 'created', contact: await client.createContact(contact, call) };
    } catch (caught) {
      error = caught;
    }
    requests += retryRecordOf(error)?.attempts ?? 1;
    const failed = (verifiedNotApplied: boolean, last = error): CreateOutcome => ({
      kind: 'failed',
      error: last,
      verifiedNotApplied,
      requests,
    });
    const failure = classifyFailure(error);
    const lateDuplicate =
      unknownCause !== undefined && error instanceof VobizHttpError && error.status === 409;
    if (failure !== 'unknown_outcome' && !lateDuplicate) {
      // A cancelled attempt may have reached Vobiz: no earlier lookup speaks for it.
      return failed(unknownCause !== undefined && failure !== 'cancelled');
    }
    unknownCause ??= error;
    let existing: Contact | undefined;
    try {
      existing = await findContactByPhone(client, contact.phone_number, call);
    } catch (lookupError) {
      return { kind: 'lookup_failed', error, lookupError };
    }
    if (existing) {
      return {
        kind: matchesSent(existing, contact) ? 'found_applied' : 'found_different',
        contact: existing,
        cause: unknownCause,
      };
    }
    const delay = backoffMs(creates - 1, policy);
    if (lateDuplicate || creates > policy.maxRetries) return failed(true);
    if (call.deadline !== undefined && Date.now() + delay >= call.deadline) return failed(true);
    try {
      await sleep(delay, call.signal);
    } catch (cancelled) {
      return failed(true, cancelled);
    }
  }
}

/** Whether a contact found by phone number is the one that was sent (the API may add to it, not differ). */
function matchesSent(found: Contact, sent: NewContact): boolean {
  if (found.name !== sent.name) return false;
  if (!(sent.tags ?? []).every((tag) => found.tags.includes(tag))) return false;
  return Object.entries(sent.custom_attributes ?? {}).every(
    ([key, value]) => Object.hasOwn(found.custom_attributes, key) && found.custom_attributes[key] === value,
  );
}

function describeCause(error: unknown): string {
  const record = retryRecordOf(error);
  const base =
    error instanceof VobizHttpError
      ? `HTTP ${error.status}${error.code ? ` ${error.code}` : ''}`
      : error instanceof Error
        ? error.message.replace(/\.$/, '')
        : 'an unknown failure';
  return record && record.attempts > 1 ? `${base}, after ${record.attempts} attempts` : base;
}
