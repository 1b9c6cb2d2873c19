/**
 * The user's yes before an import changes many existing contacts, and the approval it is bound to: the
 * upload's question, what a token for it covers, and the dry run a refused upload answers with.
 */
import type { CsvShape, CsvSource } from '../../import/csv-source.js';
import type { ExistingChanges, ImportPlan } from '../../import/existing-changes.js';
import { renderText } from '../../render.js';
import type { ApprovalBinding } from '../../mcp/approval.js';
import { approvalOf, bindingArgs, canConfirm, confirmChange, needsApproval } from '../../mcp/confirm.js';
import type { CallToolResult } from '../../mcp/sdk.js';
import { describeCause } from '../../mcp/results.js';
import type { ToolCall } from '../../mcp/tool.js';
import { rowOptions, type ImportArgs, type Pipeline } from './import-schema.js';

/**
 * The user's yes before an upload that would overwrite the names of, or add tags to, more existing
 * contacts than the confirmation threshold — asked and refused as tag_contacts does (confirm.ts). The
 * file is checked once more to know what each number's contact would be left with, and the contacts
 * are read as the dry run reads them: the question carries the dry run's numbers.
 */
export async function confirmUpload(
  args: ImportArgs,
  call: ToolCall,
  pipeline: Pipeline,
  source: CsvSource,
  shape: CsvShape,
) {
  const { server, extra, context } = call;
  const settings = context.confirm;
  const asks = needsApproval(call) || canConfirm(server, settings);
  if (!asks) return 'go' as const;
  const { plan } = await pipeline.checkCsv(source, shape, rowOptions(args), false);
  // Fewer numbers than the threshold cannot change more contacts than it. (Apply in the review view
  // checks its token whatever the count: the upload must be the one shown.)
  if (plan.size <= settings.bulkThreshold && !call.reviewed) return 'go' as const;
  const existing = await pipeline.countExistingChanges(context.client, plan, {
    signal: extra.signal,
    call: () => context.client.startCall(extra.signal),
  });
  if (!mayChangeMore(existing, plan.size, settings.bulkThreshold) && !call.reviewed) return 'go' as const;
  const parts = [
    existing.namesOverwritten > 0 && `overwrite the names of ${existing.namesOverwritten}`,
    existing.tagsAdded > 0 && `add tags to ${existing.tagsAdded}`,
  ].filter(Boolean);
  const changes = parts.length > 0 ? ` (${parts.join(' and ')})` : '';
  const count =
    existing.incomplete !== undefined
      ? `at least ${existing.changed} and up to ${plan.size} existing contacts (reading the account failed: ${describeCause(existing.incomplete)})`
      : existing.unknown > 0
        ? `${existing.changed} existing contacts${changes}, and perhaps ${existing.unknown} more whose lookup could not tell`
        : `${existing.changed} existing contacts${changes}`;
  return confirmChange(call, args, () => ({
    question: `Import ${renderText(source.label, { max: 120 })}: it would change ${count}. Go ahead?`,
    what: `import ${renderText(source.label, { max: 120 })}, changing ${count}`,
    binding: importBinding(args, context.client.account, plan, existing),
  }));
}

/**
 * What an approval of an import is bound to: its arguments (the CSV text itself, or the file's path),
 * the phone numbers it would send, and what it would change on the contacts that exist.
 */
export function importBinding(
  args: ImportArgs,
  account: string,
  plan: ImportPlan,
  existing: ExistingChanges,
): ApprovalBinding {
  return {
    tool: 'import_contacts_csv',
    account,
    args: bindingArgs(args),
    selection: plan.phones(),
    counts: {
      numbers: plan.size,
      changed: existing.changed,
      names_overwritten: existing.namesOverwritten,
      tags_added: existing.tagsAdded,
      unknown: existing.unknown,
      complete: existing.incomplete === undefined ? 1 : 0,
    },
  };
}

/**
 * An upload refused for want of a (valid) approval answers as its dry run would: the new preview, with
 * the refusal's token for exactly this upload.
 */
export async function refusedWithPreview(
  refusal: CallToolResult,
  preview: () => Promise<CallToolResult>,
): Promise<CallToolResult> {
  const shown = await preview();
  const said = (result: CallToolResult) => (result.content[0]?.type === 'text' ? result.content[0].text : '');
  return {
    content: [{ type: 'text', text: `${said(refusal)}\n${said(shown)}` }],
    structuredContent: { ...(shown.structuredContent ?? {}), approval: approvalOf(refusal) },
    isError: true,
  };
}

/** Whether the import may change more existing contacts than `threshold`, counting what is not known. */
export function mayChangeMore(existing: ExistingChanges, numbers: number, threshold: number): boolean {
  const most = existing.incomplete !== undefined ? numbers : existing.changed + existing.unknown;
  return most > threshold;
}
