/**
 * Contacts as resources, `vobiz://contacts/{id}`, so a user can attach one to a conversation.
 *
 * A read that fails answers with the JSON-RPC error the spec names: -32602 (invalid params) for a URI
 * that is not a contact URI, and for a contact that does not exist (the 2026-07-28 revision's code for
 * a resource not found, which the SDK sends to every client; 2025-era servers sent -32002), and -32603
 * with the usual failure text (what happened, what to do) when the API could not be read.
 */
import {
  ProtocolError,
  ProtocolErrorCode,
  ResourceNotFoundError,
  ResourceTemplate,
  type McpServer,
  type ReadResourceResult,
} from './sdk.js';
import { REVIEW_URI } from '../review/review-app.js';
import { renderText } from '../render.js';
import { CONTACT_ID_PATTERN } from '../vobiz/contract.js';
import type { VobizClient } from '../vobiz/client.js';
import { VobizHttpError } from '../vobiz/errors.js';
import { toContactRecord } from './contact-output.js';
import { describeFailure } from './results.js';

/** How many contacts the resource list offers to pick from: the first page, newest last. */
const LISTED_CONTACTS = 50;
const CONTACT_URI = /^vobiz:\/\/contacts\/([^/?#]*)$/;

/** The API could not be read: -32603 with the failure text every tool gives (rendered, clipped, redacted). */
function apiFailure(error: unknown, action: string): ProtocolError {
  return new ProtocolError(
    ProtocolErrorCode.InternalError,
    describeFailure(error, { action, writes: false }),
  );
}

/** The contact id a URI names, percent-decoded; undefined when it is no contact URI. */
function contactIdOf(uri: string): string | undefined {
  const encoded = CONTACT_URI.exec(uri)?.[1];
  if (encoded === undefined) return undefined;
  try {
    return decodeURIComponent(encoded);
  } catch {
    return undefined; // a stray `%`: no id of ours
  }
}

/**
 * `readReview`: the review app's view (review/review-app.ts), when registered: the read handler below
 * answers it too.
 */
export function registerContactResource(
  server: McpServer,
  client: VobizClient,
  readReview?: () => ReadResourceResult,
): void {
  const read = async (uri: string, signal: AbortSignal) => {
    const id = contactIdOf(uri);
    if (id === undefined || !CONTACT_ID_PATTERN.test(id)) {
      throw new ProtocolError(
        ProtocolErrorCode.InvalidParams,
        `Not a contact URI: ${renderText(uri, { max: 120 })}. Contact URIs look like vobiz://contacts/{id}, with an id from list_contacts.`,
        { uri },
      );
    }
    try {
      const contact = toContactRecord(await client.getContact(id, { signal }));
      return { contents: [{ uri, mimeType: 'application/json', text: JSON.stringify(contact) }] };
    } catch (error) {
      if (error instanceof VobizHttpError && error.status === 404) {
        throw new ResourceNotFoundError(uri, `Resource not found: no contact ${id}.`);
      }
      throw apiFailure(error, `read contact ${id}`);
    }
  };

  server.registerResource(
    'contact',
    new ResourceTemplate('vobiz://contacts/{id}', {
      list: async (ctx) => {
        let page;
        try {
          page = await client.listContacts({ limit: LISTED_CONTACTS }, { signal: ctx.mcpReq.signal });
        } catch (error) {
          throw apiFailure(error, 'list contacts');
        }
        return {
          resources: page.items.map((c) => ({
            // The id is the account's text: percent-encoded, so that nothing in it (a newline, `/`, `?`)
            // reaches the model raw or changes what the URI names; reading the URI decodes it.
            uri: `vobiz://contacts/${encodeURIComponent(c.id)}`,
            // Shown in the client's picker, and maybe to the model: account text, rendered.
            name: `${renderText(c.name, { max: 80 })} (${renderText(c.phone_number, { quote: 'unless-plain', max: 40 })})`,
            mimeType: 'application/json',
          })),
        };
      },
    }),
    {
      title: 'Vobiz contact',
      description: 'One WhatsApp contact: phone number, name, tags and custom attributes, as JSON.',
      mimeType: 'application/json',
    },
    (uri, _variables, ctx) => read(uri.href, ctx.mcpReq.signal),
  );
  // Replaces McpServer's read handler (which would call the callback above): that one answers a URI it
  // cannot parse with -32603, as if the server had failed. Contacts are the only other resources.
  server.server.setRequestHandler('resources/read', async (request, ctx) =>
    readReview && request.params.uri === REVIEW_URI
      ? readReview()
      : read(request.params.uri, ctx.mcpReq.signal),
  );
}
