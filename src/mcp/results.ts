/**
 * Tool results: a success carries structured content plus a short text; a failure is an `isError`
 * result that says what happened, whether anything changed, and what to do next. One mapping serves
 * every tool, so the same upstream failure always reads the same way.
 */
import type { CallToolResult } from './sdk.js';
import { InvalidContactIdError } from '../vobiz/client.js';
import { LookupIncompleteError } from '../vobiz/find-contact.js';
import { failureKind, VobizHttpError } from '../vobiz/errors.js';
import { classifyFailure, retryRecordOf } from '../vobiz/retry.js';
import { logError, redact } from '../log.js';
import { renderText } from '../render.js';

/**
 * A success: the structured result (checked against the tool's output schema) and the text a model
 * reads. Warnings go in `structured.warnings`; tool.ts lists them under the text.
 */
export function successResult<T extends object>(structured: T, text: string): CallToolResult {
  return { structuredContent: structured as Record<string, unknown>, content: [{ type: 'text', text }] };
}

export function errorResult(text: string): CallToolResult {
  return { isError: true, content: [{ type: 'text', text }] };
}

export interface FailureContext {
  /** What the tool was doing, as a phrase: "create the contact", "list contacts". */
  action: string;
  /** Whether the call writes: a write that failed mid-way may or may not have been applied. */
  writes: boolean;
  /** Extra advice for a 404, e.g. how to find the right id. */
  notFoundHint?: string;
  /** Sending the same write again is harmless (it sets a state), so an unknown outcome needs no check first. */
  repeatable?: boolean;
  /** A lookup after the failure showed that the write had not been applied. */
  verifiedUnchanged?: boolean;
  /** Requests made in all, when the tool itself repeated the call (otherwise the client's retry count). */
  attempts?: number;
}

const CREDENTIAL_VARIABLES = 'VOBIZ_AUTH_ID and VOBIZ_AUTH_TOKEN (or VOBIZ_BEARER_TOKEN)';

export function failureResult(error: unknown, context: FailureContext): CallToolResult {
  return errorResult(describeFailure(error, context));
}

/**
 * The one mapping from a failure to what a model reads: what happened (with the HTTP status and the
 * API's own message), how many attempts were made, whether anything changed, and what to do next.
 */
export function describeFailure(error: unknown, context: FailureContext): string {
  // Redacted here, not only where a result leaves: the text also lands in structured content (a bulk
  // tool's failures), and an upstream that echoes a token back must not carry it there.
  return redact(failureText(error, context));
}

function failureText(error: unknown, context: FailureContext): string {
  const { action, notFoundHint } = context;
  const record = retryRecordOf(error);
  const attempts = context.attempts ?? record?.attempts ?? 1;
  const tries = attempts > 1 ? ` after ${attempts} attempts` : '';
  const gaveUpEarly =
    record?.stoppedBecause === 'deadline'
      ? " It stopped retrying because the next wait would have run past the call's time budget (VOBIZ_DEADLINE_MS)."
      : '';
  const outcome = outcomeSentence(error, context, record?.earlierOutcomeUnknown ?? false);
  const kind = failureKind(error);

  switch (kind) {
    case 'cancelled':
      return `Cancelled${tries}; could not ${action}.${context.writes ? outcome : ''}`;
    case 'deadline':
      return `Gave up trying to ${action}${tries}: the call used up its time budget (VOBIZ_DEADLINE_MS) before Vobiz answered.${outcome}`;
    case 'timeout':
      return `Vobiz did not answer in time${tries} (each request may take VOBIZ_TIMEOUT_MS; raise it if this keeps happening); could not ${action}.${gaveUpEarly}${outcome}`;
    case 'dns':
    case 'refused':
    case 'tls':
    case 'connection':
      return `${(error as Error).message} Could not ${action}${tries}. Check VOBIZ_BASE_URL and the network.${gaveUpEarly}${outcome}`;
    case 'internal':
      if (error instanceof InvalidContactIdError) {
        return `Not a contact id: ${error.message}. Nothing was sent. Find the contact's id with list_contacts.`;
      }
      if (error instanceof LookupIncompleteError) {
        // Only a search was sent: whatever the tool meant to write was not.
        return `Could not ${action}: ${error.message}. Find the contact with list_contacts (search by name) and use its id.${context.writes ? ' Nothing was changed.' : ''}`;
      }
      logError(`unexpected failure while trying to ${action}`, error);
      return `Internal error in vobiz-contacts-mcp while trying to ${action}; the details are in the server log.${
        context.writes
          ? ' Whether the change was applied is unknown: check the current state before trying again.'
          : ''
      }`;
  }

  const { details } = error as VobizHttpError;
  const ref = details.requestId
    ? `; request id ${renderText(details.requestId, { quote: 'unless-plain', max: 80 })}`
    : '';
  // What Vobiz said, with the request id its support asks for. Its message is upstream text: rendered.
  const message = (error as VobizHttpError).message;
  const said = details.unreadableBody
    ? `${message.replace(/\.$/, '')}${ref}`
    : `${httpLabel(error as VobizHttpError)}: ${renderText(message, { max: 300 })}${ref}`;

  switch (kind) {
    case 'credentials':
      // The same text serves both modes: the tool cannot tell whose credentials a remote request carried.
      return `Vobiz refused the credentials (${said}). Check ${CREDENTIAL_VARIABLES} in the server's environment (in remote mode, the X-Vobiz-Auth-Id and X-Vobiz-Auth-Token or X-Vobiz-Bearer-Token headers, when the request sent them), and that VOBIZ_BASE_URL points at the Vobiz API.${outcome}`;
    case 'not_found':
      return `Not found (${said}): could not ${action}.${notFoundHint ? ` ${notFoundHint}` : ''}${outcome}`;
    case 'conflict': {
      const existing = details.extra?.['existing_id'];
      return `Conflict (${said}): could not ${action}.${
        typeof existing === 'string'
          ? ` The existing contact's id is ${renderText(existing, { quote: 'unless-plain', max: 128 })}: use get_contact or update_contact.`
          : ''
      }${outcome}`;
    }
    case 'rate_limited': {
      const seconds = details.retryAfterSeconds;
      if (record?.stoppedBecause === 'retry_after_too_long' && seconds !== undefined) {
        return `Vobiz rate limit reached${tries} (${said}): it asks for a wait of ${seconds} s, longer than this server waits on its own. Wait ${seconds} s before calling again.${outcome}`;
      }
      const wait = seconds ? `Wait ${seconds} s` : 'Wait a few seconds';
      return `Vobiz rate limit reached${tries} (${said}). ${wait} before calling again.${gaveUpEarly}${outcome}`;
    }
    case 'server':
    case 'too_large':
    case 'unreadable': {
      const body =
        kind === 'too_large'
          ? ' An answer that large points at a broken upstream or proxy (check VOBIZ_BASE_URL), or at contacts larger than the cap allows (raise VOBIZ_MAX_RESPONSE_BYTES).'
          : kind === 'unreadable'
            ? " The answer was not the API's JSON (a proxy or gateway page?); if this persists, check VOBIZ_BASE_URL."
            : '';
      return `Vobiz failed to ${action}${tries} (${said}).${body}${gaveUpEarly}${outcome}`;
    }
    case 'invalid_request': {
      const fields = (details.fieldErrors ?? [])
        .slice(0, 10)
        .map(
          (f) =>
            `${renderText(f.field ?? '?', { quote: 'unless-plain', max: 60 })}: ${renderText(f.message ?? f.code ?? 'invalid', { max: 200 })}`,
        )
        .join('; ');
      return `Vobiz rejected the request (${said})${fields ? ` — ${fields}` : ''}. Fix the arguments and call again.${outcome}`;
    }
    default:
      return `Vobiz answered ${said}: could not ${action}.${outcome}`;
  }
}

/** Whether anything changed, and what that means for the next step. */
function outcomeSentence(error: unknown, context: FailureContext, earlierOutcomeUnknown: boolean): string {
  const failure = classifyFailure(error);
  if (!context.writes) {
    return failure === 'unknown_outcome' ? ' Try again in a few seconds.' : '';
  }
  if (context.verifiedUnchanged) {
    return ' A lookup showed it had not been applied: nothing was changed. Try again in a little while.';
  }
  if (failure === 'unknown_outcome' || failure === 'cancelled' || earlierOutcomeUnknown) {
    if (failure === 'cancelled' && !earlierOutcomeUnknown) {
      return ' If the request had already reached Vobiz, the change may have been applied: check before trying again.';
    }
    return context.repeatable
      ? ' The outcome is unknown: the change may or may not have been applied. Repeating the same call is safe: try again in a few seconds.'
      : ' The outcome is unknown: the change may or may not have been applied. Check the current state (get_contact or list_contacts with search) before trying the write again.';
  }
  return ' Nothing was changed.';
}

/** A failure in a few words, inside a sentence: "HTTP 503 SERVICE_UNAVAILABLE, after 2 attempts". */
export function describeCause(error: unknown): string {
  const record = retryRecordOf(error);
  const base =
    error instanceof VobizHttpError
      ? httpLabel(error)
      : error instanceof Error
        ? error.message.replace(/\.$/, '')
        : 'an unknown failure';
  return record && record.attempts > 1 ? `${base}, after ${record.attempts} attempts` : base;
}

/** "HTTP 503 SERVICE_UNAVAILABLE": the status, and the API's code (upstream text, rendered). */
function httpLabel({ status, code }: VobizHttpError): string {
  return `HTTP ${status}${code ? ` ${renderText(code, { quote: 'unless-plain', max: 40 })}` : ''}`;
}
