/**
 * JSON lines on stderr, with pino: one object per line, `level`, `time` (epoch ms) and `msg` first, then
 * the fields. pino because it is the common choice for Node services (log shippers parse its lines as
 * they are) and it costs little per line. Every line passes through log.ts's `redact` on its way out,
 * as the human lines do: a credential that slipped into a field never reaches the log.
 */
import { pino, type Logger } from 'pino';
import { redact, setLogSink } from '../log.js';
import { SERVER_NAME } from '../mcp/create-server.js';

export type JsonLogger = Logger;

let logger: JsonLogger | undefined;

/** The process's logger writing JSON lines to stderr (remote mode's request and job lines). */
export function jsonLogger(): JsonLogger {
  logger ??= pino(
    { base: { name: SERVER_NAME }, messageKey: 'msg' },
    { write: (line: string) => void process.stderr.write(redact(line)) },
  );
  return logger;
}

/**
 * log.ts's messages as JSON lines too, for the rest of the process: the CLI's choice (VOBIZ_LOG_FORMAT),
 * not a server's, so that a server started inside another program leaves its logging alone.
 */
export function startJsonLogging(): JsonLogger {
  const json = jsonLogger();
  setLogSink({
    info: (message) => json.info(message),
    error: (message, detail) => json.error(detail === undefined ? {} : { error: detail }, message),
  });
  return json;
}
