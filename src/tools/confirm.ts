/**
 * Asking the user — not the model — before a destructive or large change. A `confirm: true` argument
 * would be the model confirming with itself; elicitation puts the question in front of the person.
 * Clients without elicitation are not asked: the tools' destructiveHint is what they act on.
 */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type { ServerNotification, ServerRequest } from '@modelcontextprotocol/sdk/types.js';
import { logError } from '../log.js';

export type ConfirmMode = 'auto' | 'never';

export interface ConfirmSettings {
  /** `auto`: ask when the client can; `never`: do not ask. */
  mode: ConfirmMode;
  /** Bulk changes touching more contacts than this are confirmed. */
  bulkThreshold: number;
}

/** `unanswered`: the question could not be put or got no answer (the client failed or timed out). */
export type Confirmation = 'confirmed' | 'declined' | 'not_asked' | 'unanswered';

/** Whether confirmWithUser would put a question to the user (so a tool can skip preparing one). */
export function canConfirm(server: McpServer, settings: ConfirmSettings): boolean {
  return settings.mode !== 'never' && Boolean(server.server.getClientCapabilities()?.elicitation);
}

export async function confirmWithUser(
  server: McpServer,
  extra: RequestHandlerExtra<ServerRequest, ServerNotification>,
  settings: ConfirmSettings,
  message: string,
): Promise<Confirmation> {
  if (!canConfirm(server, settings)) return 'not_asked';
  try {
    const answer = await server.server.elicitInput(
      {
        message,
        requestedSchema: {
          type: 'object',
          properties: { confirm: { type: 'boolean', title: 'Go ahead', description: 'Tick to go ahead.' } },
          required: ['confirm'],
        },
      },
      { relatedRequestId: extra.requestId, signal: extra.signal },
    );
    return answer.action === 'accept' && answer.content?.['confirm'] === true ? 'confirmed' : 'declined';
  } catch (error) {
    // Not asked is not a yes: the change is not made, and the caller says so.
    logError('asking the user to confirm failed', error);
    return 'unanswered';
  }
}

/** The isError text for a change that was not made because the user did not say yes. */
export function notConfirmedText(answer: 'declined' | 'unanswered', what: string): string {
  return answer === 'declined'
    ? `Not done: the user declined to ${what}. Nothing was changed.`
    : `Not done: the user could not be asked to confirm (the client did not answer) whether to ${what}. ` +
        'Nothing was changed. Try again, or set VOBIZ_CONFIRM=never in the server configuration to skip the question.';
}
