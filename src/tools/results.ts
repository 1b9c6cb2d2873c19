/**
 * Tool results: a success carries structured content plus a short text; a failure is an `isError`
 * result that says what happened, whether anything changed, and what to do next. One mapping serves
 * every tool, so the same upstream failure always reads the same way.
 */
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { VobizCancelledError, VobizHttpError, VobizNetworkError } from '../vobiz/errors.js';
import { logError, redact } from '../log.js';

export function successResult<T extends object>(structured: T, text: string): CallToolResult {
  return {
    structuredContent: structured as Record<string, unknown>,
    content: [{ type: 'text', text: redact(text) }],
  };
}

export function errorResult(text: string): CallToolResult {
  return { isError: true, content: [{ type: 'text', text: redact(text) }] };
}

export interface FailureContext {
  /** What the tool was doing, as a phrase: "create the contact", "list contacts". */
  action: string;
  /** Whether the call writes: a write that failed mid-way may or may not have been applied. */
  writes: boolean;
  /** Extra advice for a 404, e.g. how to find the right id. */
  notFoundHint?: string;
}

const CREDENTIAL_VARIABLES = 'VOBIZ_AUTH_ID and VOBIZ_AUTH_TOKEN (or VOBIZ_BEARER_TOKEN)';

export function failureResult(error: unknown, context: FailureContext): CallToolResult {
  return errorResult(describeFailure(error, context));
}

export function describeFailure(error: unknown, { action, writes, notFoundHint }: FailureContext): string {
  const unchanged = writes ? ' Nothing was changed.' : '';
  const unknownOutcome = writes
    ? ' The outcome is unknown: the change may or may not have been applied. Check the current state (get_contact or list_contacts with search) before trying the write again.'
    : ' Try again in a few seconds.';

  if (error instanceof VobizCancelledError) return `Cancelled before Vobiz answered; could not ${action}.`;
  if (error instanceof VobizNetworkError) {
    return error.kind === 'timeout'
      ? `Vobiz did not answer in time (raise VOBIZ_TIMEOUT_MS if this keeps happening); could not ${action}.${unknownOutcome}`
      : `${error.message} Could not ${action}. Check VOBIZ_BASE_URL and the network.${unknownOutcome}`;
  }
  if (!(error instanceof VobizHttpError)) {
    logError(`unexpected failure while trying to ${action}`, error);
    return `Internal error in vobiz-contacts-mcp while trying to ${action}; the details are in the server log.`;
  }

  const { status, code, details } = error;
  const label = `HTTP ${status}${code ? ` ${code}` : ''}`;
  const ref = details.requestId ? ` (request id ${details.requestId})` : '';
  const said = details.unreadableBody ? error.message : `${label}: ${error.message}`;

  if (status === 401 || status === 403) {
    return `Vobiz refused the credentials (${said})${ref}. Check ${CREDENTIAL_VARIABLES} in the server's environment, and that VOBIZ_BASE_URL points at the Vobiz API.${unchanged}`;
  }
  if (status === 404) {
    return `Not found (${said})${ref}: could not ${action}.${notFoundHint ? ` ${notFoundHint}` : ''}${unchanged}`;
  }
  if (status === 409) {
    const existing = details.extra?.['existing_id'];
    return `Conflict (${said})${ref}: could not ${action}.${
      typeof existing === 'string' ? ` The existing contact's id is ${existing}: use get_contact or update_contact.` : ''
    }${unchanged}`;
  }
  if (status === 400 || status === 422) {
    const fields = (details.fieldErrors ?? [])
      .slice(0, 10)
      .map((f) => `${f.field ?? '?'}: ${f.message ?? f.code ?? 'invalid'}`)
      .join('; ');
    return `Vobiz rejected the request (${said})${ref}${fields ? ` — ${fields}` : ''}. Fix the arguments and call again.${unchanged}`;
  }
  if (status === 429) {
    const wait = details.retryAfterSeconds !== undefined ? `Wait ${details.retryAfterSeconds} s` : 'Wait a little';
    return `Vobiz rate limit reached (${said})${ref}. ${wait} before calling again.${unchanged}`;
  }
  if (status >= 500 || details.unreadableBody) {
    const body = details.unreadableBody
      ? ' The answer was not the API\'s JSON (a proxy or gateway page?); if this persists, check VOBIZ_BASE_URL.'
      : '';
    return `Vobiz failed to ${action} (${said})${ref}.${body}${unknownOutcome}`;
  }
  return `Vobiz answered ${said}${ref}: could not ${action}.`;
}
