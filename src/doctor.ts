/**
 * `vobiz-contacts-mcp doctor`: checks the configuration, then reaches the API with one cheap read
 * (GET /contacts?limit=1, no retries, so a failure shows at once) and tells a person what is wrong.
 *
 * Contract: `runDoctor` writes a short report (to stdout by default: this is a terminal program, never
 * the MCP channel) and resolves to 0 when every check passed, 1 when one failed. A failure is two lines:
 * the cause, and what to do, naming the variable to change. It never prints a credential: the token
 * variables are registered as secrets before anything is printed, every line is redacted, and URLs are
 * shown without user info or query.
 */
import { ConfigError, loadConfig, type ConfigWithAccount } from './config.js';
import { redact, registerSecret } from './log.js';
import { SERVER_NAME, SERVER_VERSION } from './mcp/create-server.js';
import { VobizClient } from './vobiz/client.js';
import { DEFAULT_BASE_URL } from './vobiz/contract.js';
import { failureKind, VobizHttpError, VobizNetworkError } from './vobiz/errors.js';
import { renderText } from './render.js';

export interface DoctorIo {
  write: (text: string) => void;
}

/** One failed check: what went wrong, in one line, and what to do about it, in another. */
export interface Diagnosis {
  cause: string;
  fix: string;
}

/** What `diagnose` needs to know about the attempt, to word its advice. */
export interface AttemptContext {
  baseUrl: string;
  timeoutMs: number;
  elapsedMs: number;
  /** The variables the credentials came from, e.g. `VOBIZ_AUTH_ID and VOBIZ_AUTH_TOKEN`. */
  credentialVars: string;
}

const SECRET_VARS = ['VOBIZ_AUTH_TOKEN', 'VOBIZ_BEARER_TOKEN'] as const;
const WHERE_TO_SET = 'where the server is started (the "env" block of your MCP client config, or your shell)';
const INDENT = '        ';

export async function runDoctor(
  env: NodeJS.ProcessEnv,
  io: DoctorIo = { write: (text) => void process.stdout.write(text) },
): Promise<number> {
  // Registered before anything is printed, so that not even an error message can show a token.
  for (const name of SECRET_VARS) {
    registerSecret(env[name]);
    registerSecret(env[name]?.trim());
  }
  const print = (line: string) => io.write(`${redact(line)}\n`);
  const fail = (check: string, { cause, fix }: Diagnosis) => {
    print(`${check.padEnd(INDENT.length)}FAIL — ${cause}`);
    print(`${INDENT}what to do: ${fix}`);
  };
  print(`${SERVER_NAME} ${SERVER_VERSION} doctor`);

  const configured = checkConfig(env);
  if ('cause' in configured) {
    fail('config', configured);
    print('api     skipped — fix the configuration first');
    return 1;
  }
  const { config, credentialVars } = configured;
  const usingDefault = !env['VOBIZ_BASE_URL'];
  print(
    `config  ok — credentials from ${credentialVars}, base URL ${showUrl(config.baseUrl, true)}` +
      `${usingDefault ? ' (the default)' : ''}, timeout ${config.timeoutMs} ms`,
  );

  const client = new VobizClient({
    baseUrl: config.baseUrl,
    credentials: config.credentials,
    timeoutMs: config.timeoutMs,
    maxResponseBytes: config.maxResponseBytes,
    retry: { maxRetries: 0 },
    // Only VOBIZ_TIMEOUT_MS may end the attempt: a short VOBIZ_DEADLINE_MS would blur which limit was hit.
    deadlineMs: config.timeoutMs + 1_000,
  });
  const started = performance.now();
  const elapsedMs = () => Math.round(performance.now() - started);
  try {
    const page = await client.listContacts({ limit: 1 });
    const contacts = page.total === 1 ? '1 contact' : `${page.total} contacts`;
    print(
      `api     ok — reached ${showUrl(config.baseUrl)} in ${elapsedMs()} ms, the account has ${contacts}`,
    );
    return 0;
  } catch (error) {
    fail(
      'api',
      diagnose(error, {
        baseUrl: config.baseUrl,
        timeoutMs: config.timeoutMs,
        elapsedMs: elapsedMs(),
        credentialVars,
      }),
    );
    return 1;
  } finally {
    await client.close();
  }
}

function checkConfig(
  env: NodeJS.ProcessEnv,
): { config: ConfigWithAccount; credentialVars: string } | Diagnosis {
  const set = (name: string) => Boolean(env[name]); // empty means unset, as in loadConfig
  // Checked here rather than read from the ConfigError: it is the commonest problem and deserves its own words.
  if (!set('VOBIZ_AUTH_ID') && !set('VOBIZ_AUTH_TOKEN') && !set('VOBIZ_BEARER_TOKEN')) {
    return {
      cause: 'no Vobiz credentials are set',
      fix: `set VOBIZ_AUTH_ID and VOBIZ_AUTH_TOKEN (or VOBIZ_BEARER_TOKEN) ${WHERE_TO_SET}`,
    };
  }
  try {
    const config = loadConfig(env);
    if ('bearerToken' in config.credentials) return { config, credentialVars: 'VOBIZ_BEARER_TOKEN' };
    // loadConfig prefers the id/token pair; say so, or a refused bearer token would go unexplained.
    const ignored = set('VOBIZ_BEARER_TOKEN') ? ' (VOBIZ_BEARER_TOKEN is set too, and ignored)' : '';
    return { config, credentialVars: `VOBIZ_AUTH_ID and VOBIZ_AUTH_TOKEN${ignored}` };
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    // Its messages name the variables (never their values); the advice names the same ones.
    const named = [...new Set(error.message.match(/VOBIZ_[A-Z_]+/g) ?? [])];
    return {
      cause: error.message,
      fix: `correct ${named.join(', ') || 'the VOBIZ_* settings'} ${WHERE_TO_SET}`,
    };
  }
}

/**
 * Turns the error of the test read into its cause and remedy, for a person at a terminal: the kinds are
 * the ones the tools word for a model (vobiz/errors.ts failureKind), told here as settings to change.
 */
export function diagnose(error: unknown, context: AttemptContext): Diagnosis {
  const { baseUrl, timeoutMs, elapsedMs, credentialVars } = context;
  const url = new URL(baseUrl);
  const checkBaseUrl = `check the path in VOBIZ_BASE_URL: the Contacts API is at ${DEFAULT_BASE_URL} (unset VOBIZ_BASE_URL to use it)`;
  const answered = (status: number) => `${showUrl(baseUrl)} answered HTTP ${status} in ${elapsedMs} ms`;
  const http = error instanceof VobizHttpError ? error : undefined;
  const said = http && !http.details.unreadableBody ? ` (${renderText(http.message, { max: 120 })})` : '';
  const status = http?.status ?? 0;
  const code = error instanceof VobizNetworkError ? (error.causeCode ?? 'no error code') : '';
  const hostPort = `${url.hostname}:${url.port || (url.protocol === 'https:' ? 443 : 80)}`;

  switch (failureKind(error)) {
    case 'credentials':
      return {
        cause: `credentials refused: ${answered(status)}${said}`,
        fix:
          `check ${credentialVars}: copy them again from the Vobiz console` +
          (status === 401 ? ' (a 401 can also mean a wrong path in VOBIZ_BASE_URL)' : ''),
      };
    case 'not_found':
      return { cause: `no contacts endpoint there: ${answered(404)}${said}`, fix: checkBaseUrl };
    case 'rate_limited': {
      const wait = http?.details.retryAfterSeconds;
      return {
        cause: `rate limited: ${answered(429)}; the configuration looks right`,
        fix: `wait${wait === undefined ? ' a minute' : ` ${wait} s`} and run doctor again; nothing to change`,
      };
    }
    case 'server': {
      const requestId = http?.details.requestId
        ? ` (request id ${renderText(http.details.requestId, { quote: 'unless-plain' })})`
        : '';
      return {
        cause: `the API is failing: ${answered(status)}${said}`,
        fix: `nothing to change in VOBIZ_*; try again later, and if it persists tell Vobiz support${requestId}`,
      };
    }
    case 'too_large':
    case 'unreadable':
      return {
        cause: `not the Contacts API: ${answered(status)} with something other than its JSON (a web page?)`,
        fix: checkBaseUrl,
      };
    case 'conflict':
    case 'invalid_request':
    case 'other_status':
      return {
        cause: `the API refused the test read: ${answered(status)}${said}`,
        fix: `check that VOBIZ_BASE_URL is the Contacts API (${DEFAULT_BASE_URL}) and the account in the Vobiz console`,
      };
    case 'timeout':
    case 'deadline':
      return {
        cause: `timed out: no answer from ${url.host} within ${timeoutMs} ms`,
        fix: `raise VOBIZ_TIMEOUT_MS if the network is slow, or check the host in VOBIZ_BASE_URL`,
      };
    case 'dns':
      return {
        cause: `DNS failure: the host ${url.hostname} could not be resolved (${code}${code === 'EAI_AGAIN' ? ', a temporary failure' : ''})`,
        fix: `check the host name in VOBIZ_BASE_URL (the API is ${new URL(DEFAULT_BASE_URL).host}) and this machine's DNS`,
      };
    case 'refused':
      return {
        cause: `nothing is listening at ${hostPort} (connection refused, ECONNREFUSED)`,
        fix: 'check the host and port in VOBIZ_BASE_URL; for a local sandbox, start it first (vobiz-contacts-mcp sandbox)',
      };
    case 'tls': {
      // An https:// URL on a plain-http server (a local sandbox) fails this way, not with a certificate error.
      const plainHttp = /WRONG_VERSION_NUMBER|EPROTO/.test(code);
      return {
        cause: `TLS handshake with ${hostPort} failed (${code}): ${plainHttp ? 'the server does not speak https' : 'its certificate was not accepted'}`,
        fix: plainHttp
          ? 'use http:// in VOBIZ_BASE_URL for a server without TLS (such as the local sandbox)'
          : 'check the host in VOBIZ_BASE_URL matches its certificate; behind a proxy that inspects TLS, give Node its CA with NODE_EXTRA_CA_CERTS',
      };
    }
    case 'connection':
      return {
        cause: `the connection to ${hostPort} failed or was dropped after ${elapsedMs} ms (${code})`,
        fix: `check VOBIZ_BASE_URL, and any proxy or firewall between this machine and ${url.hostname}`,
      };
    case 'cancelled':
    case 'internal':
      return {
        cause: `unexpected error: ${renderText(error instanceof Error ? error.message : String(error), { max: 120 })}`,
        fix: 'this is a bug in vobiz-contacts-mcp: please report it with this output',
      };
  }
}

/** host + path (with the scheme, when asked): never user info or a query, which may carry a secret. */
function showUrl(raw: string, withScheme = false): string {
  const url = new URL(raw);
  return `${withScheme ? `${url.protocol}//` : ''}${url.host}${url.pathname.replace(/\/+$/, '')}`;
}
