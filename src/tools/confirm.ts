/**
 * The user's yes before a destructive or large change, asked where the server can reach the user.
 *
 * - stdio (`auto`): by elicitation, which puts the question in front of the person, not the model.
 *   Clients without elicitation are not asked: the tools' destructiveHint is what they act on.
 * - remote mode (`argument`): a stateless request cannot receive the user's answer, so the change needs
 *   `confirm: true`, which the argument's description tells the model to send only once the user has
 *   said yes. A call without it changes nothing and says what to ask. The argument is declared only in
 *   this mode: in stdio it would be the model confirming with itself.
 * - `never` (VOBIZ_CONFIRM=never): no confirmation.
 *
 * A tool calls `confirmChange` once, before the change, and goes on only on 'go'; the server adds the
 * `confirm` argument to the tools that ask (withConfirmArgument).
 */
import type { CallToolResult, McpServer } from '../mcp-sdk.js';
import { z } from 'zod';
import { logError } from '../log.js';
import { errorResult } from './results.js';
import type { ToolDefinition, ToolExtra as Extra } from './tool.js';

export type ConfirmMode = 'auto' | 'never';

export interface ConfirmSettings {
  /** `auto`: ask when the client can; `argument`: require `confirm: true` (remote mode); `never`: do not ask. */
  mode: ConfirmMode | 'argument';
  /** Bulk changes touching more contacts than this are confirmed. */
  bulkThreshold: number;
}

/** `unanswered`: the question could not be put or got no answer (the client failed or timed out). */
export type Confirmation = 'confirmed' | 'declined' | 'not_asked' | 'unanswered';

/** The change, as the user is asked about it and as a refusal names it. */
export interface ChangeToConfirm {
  /** e.g. `Permanently delete the contact "Asha" (+919800000001)?` */
  question: string;
  /** e.g. `delete "Asha" (c_123)` */
  what: string;
}

/** Bulk changes above this many contacts are confirmed; the built tool list is written with it. */
export const DEFAULT_CONFIRM_THRESHOLD = 50;

/**
 * The tool with a `confirm` argument added, in `argument` mode only: the stdio tool surface stays as
 * it is. The tool reads it through confirmChange.
 */
export function withConfirmArgument<T extends ToolDefinition>(tool: T, settings: ConfirmSettings): T {
  const describe = tool.confirmArgument;
  if (settings.mode !== 'argument' || !describe) return tool;
  return { ...tool, input: { ...tool.input, confirm: z.boolean().optional().describe(describe(settings)) } };
}

/**
 * The confirmation a connection of this protocol generation gets. A 2026-07-28 connection carries no
 * server-to-client request, so elicitation cannot put the question to its user; until the
 * multi-round-trip question (`inputRequired`, which would be asked from confirmChange) replaces it,
 * such a client gets the `confirm` argument, as remote mode does, rather than no question at all.
 */
export function confirmFor(era: 'legacy' | 'modern', settings: ConfirmSettings): ConfirmSettings {
  return era === 'modern' && settings.mode === 'auto' ? { ...settings, mode: 'argument' } : settings;
}

/**
 * Whether the change may go ahead: 'go', or the isError result to return instead. `args` are the
 * tool's arguments (their `confirm`, in `argument` mode); `describe` is called only when a question
 * is put or a refusal written.
 */
export async function confirmChange(
  server: McpServer,
  extra: Extra,
  settings: ConfirmSettings,
  args: object,
  describe: () => ChangeToConfirm | Promise<ChangeToConfirm>,
): Promise<'go' | CallToolResult> {
  if (settings.mode === 'never') return 'go';
  if (settings.mode === 'argument') {
    if ((args as { confirm?: unknown }).confirm === true) return 'go';
    const { question, what } = await describe();
    return errorResult(
      `Not done: this server needs the user's yes to ${what}, and nothing was changed. Ask the user: ` +
        `${question} Only if they agree, call this tool again with the same arguments plus confirm: true.`,
    );
  }
  if (!canConfirm(server, settings)) return 'go';
  const { question, what } = await describe();
  const answer = await confirmWithUser(server, extra, settings, question);
  return answer === 'declined' || answer === 'unanswered'
    ? errorResult(notConfirmedText(answer, what))
    : 'go';
}

/** Whether confirmWithUser would put a question to the user (so a tool can skip preparing one). */
export function canConfirm(server: McpServer, settings: ConfirmSettings): boolean {
  return settings.mode === 'auto' && Boolean(server.server.getClientCapabilities()?.elicitation);
}

export async function confirmWithUser(
  server: McpServer,
  extra: Extra,
  settings: ConfirmSettings,
  message: string,
): Promise<Confirmation> {
  if (!canConfirm(server, settings)) return 'not_asked';
  try {
    const answer = await extra.elicitInput(
      {
        message,
        requestedSchema: {
          type: 'object',
          properties: { confirm: { type: 'boolean', title: 'Go ahead', description: 'Tick to go ahead.' } },
          required: ['confirm'],
        },
      },
      { signal: extra.signal },
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
