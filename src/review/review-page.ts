/**
 * The review view (MCP Apps): one self-contained HTML page that a host renders beside the result of
 * tag_contacts, delete_contact or import_contacts_csv. It shows what the change would do — contacts with
 * their tags before → after, the counts; for an import its column mapping and refused rows; for a delete
 * the contact — with Apply and Cancel. Apply calls the app-only tool apply_change with the result's
 * approval token; the view then shows the outcome, or follows the job (get_job) for long work.
 *
 * Self-contained and small: no external script, style, font, image or network, and a Content Security
 * Policy that allows only this page's own script and style, by hash. It speaks the few messages of the
 * MCP Apps protocol it needs (ui/initialize, tool input and result, host context, size, tools/call)
 * itself: the ext-apps `App` class would bring the SDK and zod along, some 650 kB, for a page of a few.
 * The browser test drives it through ext-apps' own host bridge (AppBridge), which checks every message.
 *
 * Account text (names, tags, CSV cells) reaches the page as data and is set with textContent only.
 */
import { createHash } from 'node:crypto';

const STYLE = `
:root{color-scheme:light dark;--bg:var(--color-background-primary,#fff);--bg2:var(--color-background-secondary,#f4f4f5);
--fg:var(--color-text-primary,#18181b);--fg2:var(--color-text-secondary,#52525b);--line:var(--color-border-primary,#d4d4d8);
--ok:var(--color-text-success,#15803d);--bad:var(--color-text-danger,#b91c1c);--ring:var(--color-ring-primary,#2563eb);
--r:var(--border-radius-md,8px);font-family:var(--font-sans,system-ui,sans-serif);font-size:var(--font-text-sm-size,14px)}
:root[data-theme=dark]{--bg:var(--color-background-primary,#18181b);--bg2:var(--color-background-secondary,#27272a);
--fg:var(--color-text-primary,#f4f4f5);--fg2:var(--color-text-secondary,#a1a1aa);--line:var(--color-border-primary,#3f3f46);
--ok:var(--color-text-success,#4ade80);--bad:var(--color-text-danger,#f87171)}
body{margin:0;padding:12px;background:var(--bg);color:var(--fg);line-height:1.4}
h1{font-size:var(--font-heading-sm-size,16px);margin:0 0 4px}p{margin:4px 0;color:var(--fg2)}
table{border-collapse:collapse;width:100%;margin:8px 0;table-layout:fixed}
th,td{text-align:left;padding:4px 6px;border-bottom:1px solid var(--line);overflow-wrap:anywhere;vertical-align:top}
th{font-weight:var(--font-weight-semibold,600);color:var(--fg2)}
.add{color:var(--ok);font-weight:600}.del{color:var(--bad);text-decoration:line-through}
.bar{display:flex;gap:8px;flex-wrap:wrap;margin-top:12px}
button{font:inherit;padding:6px 14px;border-radius:var(--r);border:1px solid var(--line);background:var(--bg2);color:var(--fg);cursor:pointer}
button.primary{background:var(--ring);border-color:var(--ring);color:#fff}
button:focus-visible{outline:2px solid var(--ring);outline-offset:2px}button:disabled{opacity:.5;cursor:default}
.status{margin-top:8px;font-weight:600}.status.bad{color:var(--bad)}.status.ok{color:var(--ok)}
progress{width:100%}`;

/** The page's script: plain browser JavaScript (ES2020), run once. */
const SCRIPT = `(() => {
  const view = document.getElementById('view');
  let nextId = 1, toolInput = {}, toolName, busy = false;
  const pending = new Map();
  const send = (message) => window.parent.postMessage({ jsonrpc: '2.0', ...message }, '*');
  const request = (method, params) => new Promise((resolve, reject) => {
    const id = nextId++;
    pending.set(id, { resolve, reject });
    send({ id, method, params });
  });
  const el = (tag, text, cls) => {
    const node = document.createElement(tag);
    if (text !== undefined) node.textContent = String(text);
    if (cls) node.className = cls;
    return node;
  };
  const reportSize = () => {
    const height = Math.ceil(document.documentElement.getBoundingClientRect().height);
    send({ method: 'ui/notifications/size-changed', params: { width: document.documentElement.scrollWidth, height } });
  };
  new ResizeObserver(reportSize).observe(document.body);

  function applyContext(context) {
    if (!context) return;
    if (context.theme) document.documentElement.dataset.theme = context.theme;
    const variables = context.styles && context.styles.variables;
    if (variables) for (const [name, value] of Object.entries(variables))
      if (name.startsWith('--') && typeof value === 'string') document.documentElement.style.setProperty(name, value);
    if (context.toolInfo && context.toolInfo.tool) toolName = context.toolInfo.tool.name;
  }

  // A list in a structured result is a table: columns named once, a row per item, what every row shares
  // under 'same', a row's trailing empty cells left out (src/mcp/table.ts). Its items, as objects.
  function recordsOf(list) {
    if (Array.isArray(list)) return list;
    if (!list || !Array.isArray(list.columns) || !Array.isArray(list.rows)) return [];
    return list.rows.map((row) => {
      const record = Object.assign({}, list.same || {});
      list.columns.forEach((column, i) => { if (row[i] !== undefined) record[column] = row[i]; });
      return record;
    });
  }
  function textOf(result) {
    const block = (result.content || []).find((b) => b.type === 'text');
    return block ? block.text : '';
  }
  function kindOf(data) {
    if (toolName) return toolName;
    if (data && 'matched' in data) return 'tag_contacts';
    if (data && 'deleted' in data) return 'delete_contact';
    if (data && 'valid' in data) return 'import_contacts_csv';
    return undefined;
  }
  function table(headers, rows) {
    const t = el('table'), head = el('tr');
    for (const h of headers) head.append(el('th', h));
    t.append(head);
    for (const cells of rows) {
      const tr = el('tr');
      for (const cell of cells) { const td = el('td'); td.append(cell); tr.append(td); }
      t.append(tr);
    }
    return t;
  }
  function tagsChange(before, after) {
    const span = el('span'), had = new Set(before), has = new Set(after);
    const parts = [...before.map((t) => [t, has.has(t) ? '' : 'del']), ...after.filter((t) => !had.has(t)).map((t) => [t, 'add'])];
    if (parts.length === 0) span.textContent = '—';
    parts.forEach(([tag, cls], i) => { if (i) span.append(', '); span.append(el('span', (cls === 'add' ? '+' : '') + tag, cls)); });
    return span;
  }

  function describe(kind, data, result) {
    const parts = [];
    if (kind === 'tag_contacts') {
      const verb = data.dry_run ? 'would change' : 'changed';
      parts.push(el('h1', !data.dry_run ? 'Tags changed' : (data.approval ? 'Review: change' : 'Dry run: would change') + ' the tags of ' + data.changed + ' contacts'));
      parts.push(el('p', data.matched + ' selected, ' + data.changed + ' ' + verb + ', ' + data.unchanged + ' already had it' + (data.failed ? ', ' + data.failed + ' failed' : '') + '.'));
      const examples = recordsOf(data.examples);
      if (examples.length) parts.push(table(['Contact', 'Tags'], examples.map((e) => [e.name || e.id, tagsChange(e.tags_before || [], e.tags_after || [])])));
      if (data.changed > examples.length) parts.push(el('p', '… and ' + (data.changed - examples.length) + ' more.'));
    } else if (kind === 'delete_contact') {
      const c = data.contact;
      parts.push(el('h1', data.deleted ? 'Contact deleted' : 'Review: permanently delete this contact'));
      if (c) parts.push(table(['Name', 'Phone', 'Tags'], [[c.name, c.phone_number, (c.tags || []).join(', ') || '—']]));
      else parts.push(el('p', data.id));
      if (!data.deleted) parts.push(el('p', 'This cannot be undone.'));
    } else if (kind === 'import_contacts_csv') {
      const e = data.existing_contacts;
      parts.push(el('h1', !data.dry_run ? 'Import done' : (data.approval ? 'Review: import ' : 'Dry run: would import ') + data.valid + ' rows'));
      parts.push(el('p', data.total + ' rows, ' + data.valid + ' valid, ' + (data.failed || 0) + ' refused' + (data.dry_run ? '' : '; ' + data.created + ' created, ' + data.updated + ' updated') + '.'));
      if (e) parts.push(el('p', 'Existing contacts changed: ' + e.changed + ' (names overwritten ' + e.names_overwritten + ', tags added ' + e.tags_added + ')' + (e.complete ? '' : ', at least') + '.'));
      const cols = data.columns;
      if (cols) parts.push(table(['Field', 'From columns'], [['phone_number', cols.phone_number.join(' | ') || '—'], ['name', cols.name.join(' + ') || '—'], ['tags', (cols.tags || []).join(', ') || '—'], ...Object.entries(cols.attributes || {}).map(([column, key]) => ['attribute ' + key, column])]));
      const errors = recordsOf(data.errors);
      if (errors.length) parts.push(el('p', 'Refused rows:'), table(['Row', 'Phone', 'Why'], errors.map((r) => [String(r.row), r.phone_number, r.reason])));
      if (data.errors_omitted) parts.push(el('p', '… and ' + data.errors_omitted + ' more refused rows.'));
    } else {
      parts.push(el('p', textOf(result)));
    }
    return parts;
  }

  function render(result, note) {
    const data = result.structuredContent || {};
    const kind = kindOf(data);
    view.replaceChildren(...describe(kind, data, result));
    if (note) view.append(el('p', note, 'status bad'));
    const approval = data.approval;
    if (approval && approval.token) {
      const bar = el('div', undefined, 'bar');
      const apply = el('button', kind === 'delete_contact' ? 'Delete' : 'Apply', 'primary');
      const cancel = el('button', 'Cancel');
      apply.addEventListener('click', () => applyChange(approval.token, [apply, cancel]));
      cancel.addEventListener('click', () => {
        apply.disabled = cancel.disabled = true;
        status('Cancelled: nothing was changed.', '');
      });
      bar.append(apply, cancel);
      view.append(bar);
    } else if (result.isError) {
      view.append(el('p', textOf(result), 'status bad'));
    }
  }
  function status(text, cls) {
    let node = document.getElementById('status');
    if (!node) { node = el('p', undefined, 'status'); node.id = 'status'; node.setAttribute('role', 'status'); view.append(node); }
    node.className = 'status ' + cls;
    node.textContent = text;
  }

  async function applyChange(token, buttons) {
    if (busy) return;
    busy = true;
    for (const b of buttons) b.disabled = true;
    status('Applying…', '');
    try {
      let answer = await request('tools/call', { name: 'apply_change', arguments: { approval: token, arguments: toolInput } });
      let data = answer.structuredContent || {};
      // Long work goes on as a job: followed with get_job (which waits up to the call budget each time).
      while (data.job && data.job.state === 'running') {
        const { done, total } = data.job;
        status('Working: ' + done + (total ? ' of ' + total : '') + ' done…', '');
        answer = await request('tools/call', { name: 'get_job', arguments: { id: data.job.id } });
        data = answer.structuredContent || {};
      }
      if (data.job) data = data.result || {}; // the job's end: apply_change's own result
      const inner = data.result;
      if (inner && inner.approval && answer.isError) {
        render({ structuredContent: inner, content: answer.content, isError: true },
          'Not applied: the change is no longer the one reviewed. Review it again.');
      } else if (answer.isError) {
        status(textOf(answer), 'bad');
      } else {
        render({ structuredContent: inner || {}, content: answer.content });
        status('Done.', 'ok');
      }
    } catch (error) {
      status('Not applied: ' + (error && error.message ? error.message : String(error)), 'bad');
    } finally {
      busy = false;
    }
  }

  window.addEventListener('message', (event) => {
    if (event.source !== window.parent) return;
    const message = event.data;
    if (!message || message.jsonrpc !== '2.0') return;
    if (message.id !== undefined && !message.method) {
      const waiting = pending.get(message.id);
      if (!waiting) return;
      pending.delete(message.id);
      if (message.error) waiting.reject(new Error(message.error.message));
      else waiting.resolve(message.result);
      return;
    }
    if (message.method === 'ui/notifications/tool-input') toolInput = (message.params && message.params.arguments) || {};
    else if (message.method === 'ui/notifications/tool-result') render(message.params);
    else if (message.method === 'ui/notifications/host-context-changed') applyContext(message.params);
    else if (message.method === 'ui/resource-teardown') send({ id: message.id, result: {} });
    else if (message.id !== undefined) send({ id: message.id, error: { code: -32601, message: 'Method not found' } });
  });

  request('ui/initialize', {
    appInfo: { name: 'vobiz-contacts-review', version: '1' },
    appCapabilities: {},
    protocolVersion: '2026-01-26',
  }).then((result) => {
    applyContext(result.hostContext);
    send({ method: 'ui/notifications/initialized', params: {} });
  });
})();`;

const hash = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;

/** Nothing but this page's own script and style: no network, no frames, no forms. */
const CSP = [
  "default-src 'none'",
  `script-src ${hash(SCRIPT)}`,
  `style-src ${hash(STYLE)}`,
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

export const REVIEW_PAGE_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>Review the change</title><style>${STYLE}</style></head>
<body><main id="view" aria-live="polite"><p>Loading the change…</p></main><script>${SCRIPT}</script></body></html>`;
