/**
 * The user's yes before a destructive or large change, asked where the server can reach the user.
 *
 * - stdio (`auto`): by elicitation, which puts the question in front of the person, not the model.
 *   Clients without elicitation are not asked: the tools' destructiveHint is what they act on.
 * - remote mode (`argument`): a stateless request cannot receive the user's answer, so the change needs
 *   a bound approval (approval.ts): the call without one changes nothing, says what to ask, and answers
 *   `approval.token`, which the model sends back as `approval` once the user has said yes. The token
 *   approves that exact change only: altered arguments or a grown selection are refused with a new
 *   preview and a new token. It replaces the bare `confirm: true` of earlier releases, which approved
 *   whatever the call happened to select by then. The argument is declared only in this mode: in stdio
 *   it would be the model confirming with itself.
 * - `never` (VOBIZ_CONFIRM=never): no confirmation.
 *
 * A tool calls `confirmChange` once, before the change, and goes on only on 'go'; the server adds the
 * `approval` argument to the tools that ask (withApprovalArgument).
 */
import {
  requestCapabilities,
  createRequestStateCodec,
  inputRequired,
  inputResponse,
  type CallToolResult,
  type InputRequiredResult,
  type McpServer,
  type RequestStateCodec,
} from './sdk.js';
import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import { logError } from '../log.js';
import { declaresApps } from '../review/review-app.js';
import { Approvals, refusalReason, type Approval, type ApprovalBinding } from './approval.js';
import { errorResult } from './results.js';
import type { ToolCall, ToolDefinition, ToolExtra as Extra } from './tool.js';

export type ConfirmMode = 'auto' | 'never';

export interface ConfirmSettings {
  /** `auto`: ask when the client can; `argument`: require a bound approval (remote mode); `never`: do not ask. */
  mode: ConfirmMode | 'argument';
  /** Bulk changes touching more contacts than this are confirmed. */
  bulkThreshold: number;
  /**
   * A 2026-07-28 connection (confirmFor): a client that declares elicitation is asked within the
   * request, by a multi-round-trip question, and the approval token stays for the clients that cannot be.
   */
  inBand?: boolean;
  /** Issues and checks approval tokens; one per process, so that a token is spent once. */
  approvals?: Approvals;
  /**
   * Seals the in-band question (MCP_HTTP_SESSION_SECRET in remote mode), so that any instance behind a
   * balancer takes the answer; a random key of this process when absent.
   */
  questionKey?: string;
}

/** `unanswered`: the question could not be put or got no answer (the client failed or timed out). */
export type Confirmation = 'confirmed' | 'declined' | 'not_asked' | 'unanswered';

/** The change, as the user is asked about it and as a refusal names it. */
export interface ChangeToConfirm {
  /** e.g. `Permanently delete the contact "Asha" (+919800000001)?` */
  question: string;
  /** e.g. `delete "Asha" (c_123)` */
  what: string;
  /** What an approval of this change is bound to. */
  binding: ApprovalBinding;
}

/** Largest approval token accepted: ours are about 200 characters. */
const MAX_APPROVAL_LENGTH = 1_000;

/**
 * The tool with an `approval` argument added, in `argument` mode only: the stdio tool surface stays as
 * it is. The tool reads it through confirmChange.
 */
export function withApprovalArgument<T extends ToolDefinition>(tool: T, settings: ConfirmSettings): T {
  const describe = tool.approvalArgument;
  if (settings.mode !== 'argument' || !describe) return tool;
  const approval = z.string().min(1).max(MAX_APPROVAL_LENGTH).optional().describe(describe(settings));
  return { ...tool, input: { ...tool.input, approval } };
}

/** The approvals of a process that was given none (tests, the docs): a random key of its own. */
let processApprovals: Approvals | undefined;

export function approvalsOf(settings: ConfirmSettings): Approvals {
  return settings.approvals ?? (processApprovals ??= new Approvals());
}

/**
 * Whether a change that needs the user's yes is made only with an approval token: in `argument` mode,
 * and in a host that renders the review app (where only the view's Apply brings the token back).
 */
export function needsApproval({ server, extra, context }: ToolCall): boolean {
  const { mode } = context.confirm;
  return mode === 'argument' || (mode !== 'never' && declaresApps(server, extra));
}

/**
 * The approval a dry run answers with: a token for the change it previews, when the server would
 * refuse that change without one (needsApproval); undefined otherwise.
 */
export function approvalFor(call: ToolCall, binding: ApprovalBinding): Approval | undefined {
  return needsApproval(call) ? approvalsOf(call.context.confirm).issue(binding) : undefined;
}

/** A tool's arguments as an approval binds them: without those that say how, not what, to change. */
export function bindingArgs(args: object): Record<string, unknown> {
  const {
    dry_run: _dryRun,
    approval: _approval,
    confirm: _confirm,
    ...rest
  } = args as Record<string, unknown>;
  return rest;
}

/** The approval a refusal carries (structuredContent.approval), if it carries one. */
export function approvalOf(result: CallToolResult): Approval | undefined {
  const structured = result.structuredContent as { approval?: Approval } | undefined;
  return structured?.approval;
}

/**
 * The confirmation a connection of this protocol generation gets. A 2026-07-28 connection carries no
 * server-to-client request: its user is asked within the request (a multi-round-trip question) when
 * the client declares elicitation, and a client that cannot be asked gets the `confirm` argument, as
 * remote mode does, rather than no question at all.
 */
export function confirmFor(era: 'legacy' | 'modern', settings: ConfirmSettings): ConfirmSettings {
  if (era !== 'modern' || settings.mode === 'never') return settings;
  return { ...settings, mode: 'argument', inBand: true };
}

/**
 * Whether the change may go ahead: 'go', or the isError result to return instead (in `argument` mode
 * it carries `structuredContent.approval`, a token for this change). `args` are the tool's arguments
 * (their `approval`, in `argument` mode); `describe` is called only when a question is put, a token
 * checked or a refusal written.
 */
export async function confirmChange(
  call: ToolCall,
  args: object,
  describe: () => ChangeToConfirm | Promise<ChangeToConfirm>,
): Promise<'go' | CallToolResult | InputRequiredResult> {
  const { server, extra } = call;
  const settings = call.context.confirm;
  if (settings.mode === 'never') return 'go';
  if (call.reviewed || declaresApps(server, extra)) return reviewGate(call, args, await describe());
  if (settings.mode === 'argument') {
    const given = (args as { approval?: unknown }).approval;
    if (typeof given !== 'string' && settings.inBand && declaresElicitation(extra)) {
      return askInBand(extra, questionCodec(settings.questionKey), await describe());
    }
    const change = await describe();
    const approvals = approvalsOf(settings);
    let why = `this server needs the user's yes to ${change.what}`;
    if (typeof given === 'string') {
      const check = await approvals.redeem(given, change.binding);
      if (check.ok) return 'go';
      why = `${refusalReason(check.reason, approvals)}; this change is: ${change.what}`;
    }
    return approvalRefusal(why, change, approvals.issue(change.binding));
  }
  if (!canConfirm(server, settings)) return 'go';
  const { question, what } = await describe();
  const answer = await confirmWithUser(server, extra, settings, question);
  return answer === 'declined' || answer === 'unanswered'
    ? errorResult(notConfirmedText(answer, what))
    : 'go';
}

/**
 * In a host that renders the review app, the change is made only by the view's Apply (apply_change,
 * `reviewed`), with the token the view was shown; the model's own call, whatever it carries, answers
 * the preview and a token for the view (review/review-app.ts).
 */
async function reviewGate(
  call: ToolCall,
  args: object,
  change: ChangeToConfirm,
): Promise<CallToolResult | 'go'> {
  const approvals = approvalsOf(call.context.confirm);
  const given = (args as { approval?: unknown }).approval;
  let why = `the user reviews this change in the review shown with this result, and applies it there: ${change.what}`;
  if (call.reviewed && typeof given === 'string') {
    const check = await approvals.redeem(given, change.binding);
    if (check.ok) return 'go';
    why = `${refusalReason(check.reason, approvals)}; this change is: ${change.what}. Review it again`;
  }
  return {
    ...errorResult(
      `Not done: ${why}. Nothing was changed.` +
        (call.reviewed ? '' : ' Tell the user that it waits for their Apply (or Cancel) in the review.'),
    ),
    structuredContent: { approval: approvals.issue(change.binding) },
  };
}

/** The refusal of a change without a valid approval: what to ask, and the token for this change. */
function approvalRefusal(why: string, { question }: ChangeToConfirm, approval: Approval): CallToolResult {
  return {
    ...errorResult(
      `Not done: ${why}, and nothing was changed. Ask the user: ${question} Only if they agree, call this ` +
        `tool again with the same arguments plus approval: "${approval.token}" (valid until ` +
        `${approval.expires_at}, once, for this exact change).`,
    ),
    structuredContent: { approval },
  };
}

/** Where the answer to the in-band question travels, in the client's retried call. */
const ANSWER_KEY = 'confirm';

const CONFIRM_SCHEMA = {
  type: 'object' as const,
  properties: { confirm: { type: 'boolean' as const, title: 'Go ahead', description: 'Tick to go ahead.' } },
  required: ['confirm'],
};

/**
 * The question is carried through the client and back in `requestState`, sealed with a key of this
 * process (HMAC, ten minutes): a yes counts only for the very question it answered. The tool runs
 * again on the retried call, so a selection that grew in between asks a new question ("… 75 contacts"
 * is not "… 50 contacts"), and the user is asked again.
 */
const processKey = randomBytes(32);
const codecs = new Map<string | undefined, RequestStateCodec<{ question: string }>>();

function questionCodec(secret: string | undefined): RequestStateCodec<{ question: string }> {
  let codec = codecs.get(secret);
  if (!codec) {
    // The secret's digest: 32 bytes, whatever the length of the operator's secret.
    const key =
      secret === undefined ? processKey : createHash('sha256').update(`confirm\0${secret}`).digest();
    codec = createRequestStateCodec({ key, ttlSeconds: 600 });
    codecs.set(secret, codec);
  }
  return codec;
}

/** The user's yes to this question (from the retried call), or the question to put to them. */
async function askInBand(
  extra: Extra,
  questions: RequestStateCodec<{ question: string }>,
  { question, what }: ChangeToConfirm,
): Promise<'go' | CallToolResult | InputRequiredResult> {
  const asked = await answeredQuestion(extra, questions);
  const answer = inputResponse(extra.inputResponses, ANSWER_KEY);
  if (asked === question && answer.kind === 'elicit') {
    const yes = answer.action === 'accept' && answer.content?.['confirm'] === true;
    return yes ? 'go' : errorResult(notConfirmedText('declined', what));
  }
  return inputRequired({
    inputRequests: {
      [ANSWER_KEY]: inputRequired.elicit({ message: question, requestedSchema: CONFIRM_SCHEMA }),
    },
    requestState: await questions.mint({ question }),
  });
}

/** The question an answer on this call belongs to; undefined without one, or one this server did not seal. */
async function answeredQuestion(
  extra: Extra,
  questions: RequestStateCodec<{ question: string }>,
): Promise<string | undefined> {
  const state = extra.requestState();
  if (typeof state !== 'string') return undefined;
  try {
    // The codec binds to no context (the question itself is what it seals): the second argument is unread.
    return (await questions.verify(state, undefined as never)).question;
  } catch {
    return undefined; // tampered, expired or another server's: the question is put again
  }
}

function declaresElicitation(extra: Extra): boolean {
  return Boolean(requestCapabilities(extra)?.elicitation);
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
