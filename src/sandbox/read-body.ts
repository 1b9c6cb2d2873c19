/**
 * Reading a JSON request body: capped in size, checked for its content type, parsed into an object.
 */
import type { IncomingMessage } from 'node:http';
import {
  ERROR_CODES,
  MAX_JSON_BODY_BYTES,
  PAYLOAD_TOO_LARGE_CODE,
  UNSUPPORTED_MEDIA_TYPE_STATUS,
} from '../vobiz/contract.js';
import { badRequest, ClientGoneError, HttpError } from './http-errors.js';

export type JsonObject = Record<string, unknown>;

/** The body as a JSON object; an empty body is `{}` (so an empty PUT reads as "no field to update"). */
export async function readJsonObject(
  req: IncomingMessage,
  maxBytes = MAX_JSON_BODY_BYTES,
): Promise<JsonObject> {
  const raw = await readBody(req, maxBytes);
  if (raw.length === 0) return {};
  if (!isJsonContentType(req.headers['content-type'])) {
    throw new HttpError(
      UNSUPPORTED_MEDIA_TYPE_STATUS,
      ERROR_CODES.unsupportedMediaType,
      'the request body must be sent with Content-Type: application/json',
      { content_type: req.headers['content-type'] ?? null },
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.toString('utf8'));
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw badRequest(`the request body is not valid JSON: ${reason}`, { reason });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw badRequest('the request body must be a JSON object');
  }
  return parsed as JsonObject;
}

function isJsonContentType(header: string | undefined): boolean {
  const mediaType = header?.split(';')[0]?.trim().toLowerCase() ?? '';
  return (
    mediaType === 'application/json' || (mediaType.startsWith('application/') && mediaType.endsWith('+json'))
  );
}

/**
 * Collects the body up to maxBytes. Past the cap it stops keeping chunks but lets the rest drain, so the
 * 413 reaches a client that is still sending instead of a reset connection.
 */
function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    req.resume();
    return Promise.reject(payloadTooLarge(maxBytes));
  }
  // A client that left while the request waited (a latency fault) closed it before anyone listened.
  if (req.destroyed) return Promise.reject(new ClientGoneError());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('close', onClose);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        cleanup();
        req.resume();
        reject(payloadTooLarge(maxBytes));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(Buffer.concat(chunks, size));
    };
    const onClose = () => {
      cleanup();
      reject(new ClientGoneError());
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('close', onClose);
  });
}

function payloadTooLarge(maxBytes: number): HttpError {
  return new HttpError(413, PAYLOAD_TOO_LARGE_CODE, `the request body is larger than ${maxBytes} bytes`, {
    max_bytes: maxBytes,
  });
}

/** Reads and discards whatever is left of a request body, so the answer goes out on a healthy connection. */
export async function discardBody(req: IncomingMessage): Promise<void> {
  if (req.complete || req.destroyed) return;
  await new Promise<void>((resolve) => {
    req.once('end', resolve);
    req.once('close', resolve);
    req.resume();
  });
}
