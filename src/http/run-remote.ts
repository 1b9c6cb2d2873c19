/**
 * `vobiz-contacts-mcp --http`: reads the configuration, starts the remote server, and on SIGTERM/SIGINT
 * lets in-flight calls finish before exiting. Everything it prints goes to stderr, as in stdio mode.
 */
import { ConfigError, loadConfig, type Config } from '../config.js';
import { logInfo } from '../log.js';
import { startSandbox, type Sandbox } from '../sandbox/index.js';
import { SERVER_NAME, SERVER_VERSION } from '../mcp/create-server.js';
import { startRemoteServer } from './http-server.js';
import { startJsonLogging } from '../ops/json-log.js';

export interface HttpCliOptions {
  sandbox: boolean;
  port?: string | undefined;
  host?: string | undefined;
}

export async function runHttpCli(options: HttpCliOptions): Promise<void> {
  let config: Config;
  let sandbox: Sandbox | undefined;
  const flags = { port: options.port, host: options.host };
  try {
    if (options.sandbox) {
      sandbox = await startSandbox({ port: 0 });
      // The sandbox's account plays the operator's configured account.
      const { authId, authToken } = sandbox.credentials;
      config = loadConfig(process.env, {
        accountOptional: true,
        flags,
        credentials: { authId, authToken },
        baseUrl: sandbox.baseUrl,
      });
    } else {
      // Without an account configured, every caller must bring its own credentials.
      config = loadConfig(process.env, { accountOptional: true, flags });
    }
  } catch (error) {
    await sandbox?.close();
    if (error instanceof ConfigError) return exitWithConfigError(error);
    throw error;
  }

  // Every line JSON from here on, unless text was asked for.
  if (config.logFormat !== 'text') startJsonLogging();
  if (sandbox) {
    logInfo(`SANDBOX mode: tools run against a local sandbox API at ${sandbox.baseUrl}, not Vobiz.`);
  }

  let remote;
  try {
    remote = await startRemoteServer({ config });
  } catch (error) {
    await sandbox?.close();
    if (error instanceof ConfigError) return exitWithConfigError(error);
    throw error;
  }

  const access =
    config.credentials === undefined
      ? "each request uses the caller's own Vobiz credentials (X-Vobiz-* headers)"
      : config.http.token === undefined
        ? 'requests without X-Vobiz-* headers use the configured account; no endpoint token (loopback only)'
        : 'endpoint token required; requests without X-Vobiz-* headers use the configured account';
  const oauth = config.http.oauthKeys
    ? `; OAuth sign-in on for connectors, at ${config.http.publicUrl ?? new URL(remote.url).origin}`
    : '';
  logInfo(`${SERVER_VERSION} listening on ${remote.url} (Streamable HTTP, stateless; ${access}${oauth})`);

  let signals = 0;
  const shutdown = async (why: string) => {
    signals += 1;
    if (signals > 1) {
      logInfo(`${why} again: exiting without waiting`);
      process.exit(1);
    }
    const inFlight = remote.inFlight();
    // close() stops listening before its first await: once this line is logged, new connections are refused.
    const closed = remote.close();
    logInfo(
      `shutting down (${why}): ${inFlight} request(s) in flight, waiting up to ${config.http.shutdownGraceMs} ms`,
    );
    const { drained } = await closed;
    await sandbox?.close().catch(() => undefined);
    logInfo(drained ? 'stopped: every request finished' : 'stopped: requests past the grace period were cut');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

function exitWithConfigError(error: ConfigError): void {
  process.stderr.write(`${SERVER_NAME}: ${error.message}\n`);
  process.exit(1);
}
