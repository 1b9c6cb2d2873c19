/**
 * JSON lines on stderr, with pino: one object per line, `level`, `time` (epoch ms) and `msg` first, then
 * the fields. pino because it is the common choice for Node services (log shippers parse its lines as
 * they are) and it costs little per line. Every line passes through log.ts's `redact` on its way out,
 * as the human lines do: a credential that slipped into a field never reaches the log.
 */
import { pino, type Logger } from 'pino';
import { redact, setLogSink } from '../log.js';
import { SERVER_NAME } from '../server.js';

export type JsonLogger = Logger;

let started: JsonLogger | undefined;

/** A logger writing JSON lines to stderr, and log.ts's messages turned into such lines too; once a process. */
export function startJsonLogging(): JsonLogger {
  if (started) return started;
  const logger = pino(
    { base: { name: SERVER_NAME }, messageKey: 'msg' },
    { write: (line: string) => void process.stderr.write(redact(line)) },
  );
  setLogSink({
    info: (message) => logger.info(message),
    error: (message, detail) => logger.error(detail === undefined ? {} : { error: detail }, message),
  });
  started = logger;
  return logger;
}
