/**
 * The sign-in page: plain HTML that works without JavaScript, with its own inline style (allowed by a
 * per-response nonce) and nothing from anywhere else. Everything that comes from outside — the
 * client's name, its redirect host, a message — is escaped here, in `html`, and nowhere else.
 */
import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';

export interface ToolSummary {
  title: string;
  readOnly: boolean;
}

export interface SignInPage {
  /** The client's own name, when it gave one. */
  clientName: string | undefined;
  /** Where the person is sent back to once signed in: the redirect URI's host. */
  returnTo: string;
  tools: readonly ToolSummary[];
  /** The sealed state of this sign-in (the form's hidden field). */
  request: string;
  /** Set after a failed attempt: why no access was granted. */
  error?: string;
  /** What the person typed as Auth ID, kept after a failed attempt (never the token). */
  authId?: string;
}

/** Escapes text for an HTML element or a double-quoted attribute. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

export function renderSignInPage(page: SignInPage, nonce: string): string {
  const who = page.clientName ? `<strong>${escapeHtml(page.clientName)}</strong>` : 'An app';
  const readOnly = page.tools.every((tool) => tool.readOnly);
  const tools = page.tools
    .map((tool) => `<li>${escapeHtml(tool.title)}${tool.readOnly ? '' : ' <em>(makes changes)</em>'}</li>`)
    .join('');
  const error = page.error ? `<p class="error" role="alert">${escapeHtml(page.error)}</p>` : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in with your Vobiz account</title>
<style nonce="${nonce}">
body{font:16px/1.5 system-ui,sans-serif;max-width:34rem;margin:2rem auto;padding:0 1rem;color:#1d1d1f}
h1{font-size:1.4rem}label{display:block;margin-top:1rem;font-weight:600}
input[type=text],input[type=password]{width:100%;box-sizing:border-box;padding:.5rem;font:inherit;border:1px solid #888;border-radius:4px}
button{margin-top:1.5rem;padding:.6rem 1.2rem;font:inherit;border:0;border-radius:4px;background:#1a56db;color:#fff;cursor:pointer}
.error{background:#fde8e8;border:1px solid #c81e1e;padding:.75rem;border-radius:4px}
.note{color:#555;font-size:.9rem}fieldset{border:1px solid #ccc;border-radius:4px;margin-top:1rem}
</style>
</head>
<body>
<main>
<h1>Sign in with your Vobiz account</h1>
<p>${who} asks to use your Vobiz WhatsApp contacts through this server. Once you sign in, you will be sent back to <strong>${escapeHtml(page.returnTo)}</strong>.</p>
<p>It will be able to:</p>
<ul>${tools}</ul>
<p>${readOnly ? 'This server is <strong>read-only</strong>: it cannot change or delete your contacts.' : 'It can create, change and delete contacts; your app may ask you before bulk changes and deletes.'}</p>
${error}
<form method="post" action="/authorize">
<input type="hidden" name="request" value="${escapeHtml(page.request)}">
<fieldset>
<legend>Your Vobiz API credentials (Vobiz console, API settings)</legend>
<label for="auth_id">Auth ID</label>
<input type="text" id="auth_id" name="auth_id" autocomplete="username" placeholder="MA_XXXXXXXX" value="${escapeHtml(page.authId ?? '')}">
<label for="auth_token">Auth Token</label>
<input type="password" id="auth_token" name="auth_token" autocomplete="current-password">
</fieldset>
<fieldset>
<legend>Or a Vobiz JWT instead</legend>
<label for="jwt">JWT</label>
<input type="password" id="jwt" name="jwt" autocomplete="off">
</fieldset>
<button type="submit">Sign in and allow</button>
</form>
<p class="note">The server checks these credentials with one read of your contacts, then keeps them only inside the encrypted token it gives the app. Nothing is granted if they are wrong.</p>
</main>
</body>
</html>
`;
}

/** A page that says why the sign-in cannot go on (a bad link: nothing to send back to a client). */
export function renderProblemPage(title: string, message: string, nonce: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeHtml(title)}</title>
<style nonce="${nonce}">body{font:16px/1.5 system-ui,sans-serif;max-width:34rem;margin:2rem auto;padding:0 1rem}</style>
</head>
<body>
<main>
<h1>${escapeHtml(title)}</h1>
<p>${escapeHtml(message)}</p>
<p>Start again from the app you were adding the connector in.</p>
</main>
</body>
</html>
`;
}

/** Sends a page with headers that keep it out of caches and frames, and allow only its own style. */
export function sendPage(
  res: ServerResponse,
  status: number,
  render: (nonce: string) => string,
  headers: Record<string, string | string[]> = {},
): void {
  const nonce = randomBytes(16).toString('base64');
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'content-security-policy': `default-src 'none'; style-src 'nonce-${nonce}'; base-uri 'none'; frame-ancestors 'none'`,
    'x-frame-options': 'DENY',
    // Not no-referrer: with it, a browser posts the form with `Origin: null`, which authorize.ts refuses.
    'referrer-policy': 'same-origin',
    'x-content-type-options': 'nosniff',
    ...headers,
  });
  res.end(render(nonce));
}
