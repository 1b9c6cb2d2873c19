/**
 * The JSON endpoints: list, get, create, update, delete. Each takes the parsed request and answers a
 * SandboxResponse, or throws an HttpError for the documented error body.
 */
import type { IncomingMessage } from 'node:http';
import { DUPLICATE_CONTACT_CODE, DUPLICATE_CONTACT_STATUS } from '../vobiz/contract.js';
import { readJsonObject } from './read-body.js';
import { HttpError, notFound } from './http-errors.js';
import { faultedListPage, type ListFault } from './faults.js';
import { jsonResponse, noContentResponse, type SandboxResponse } from './responses.js';
import { DuplicatePhoneError, type ContactStore } from './store.js';
import { parseListQuery, validateCreateBody, validateUpdateBody } from './validation.js';

/** `fault`: a list fault this request took, which shapes the page (faults.ts). */
export function listContacts(
  store: ContactStore,
  query: URLSearchParams,
  fault?: ListFault,
): SandboxResponse {
  return jsonResponse(200, faultedListPage(store, parseListQuery(query), fault));
}

export function getContact(store: ContactStore, id: string): SandboxResponse {
  return jsonResponse(200, store.get(id) ?? contactNotFound(id));
}

export async function createContact(store: ContactStore, req: IncomingMessage): Promise<SandboxResponse> {
  const input = validateCreateBody(await readJsonObject(req));
  try {
    return jsonResponse(201, store.create(input));
  } catch (error) {
    if (error instanceof DuplicatePhoneError) {
      throw new HttpError(DUPLICATE_CONTACT_STATUS, DUPLICATE_CONTACT_CODE, error.message, {
        existing_id: error.existingId,
        phone_number: error.phoneNumber,
      });
    }
    throw error;
  }
}

export async function updateContact(
  store: ContactStore,
  req: IncomingMessage,
  id: string,
): Promise<SandboxResponse> {
  // The body is read (and so drained) before the 404, so the connection stays usable either way.
  const body = await readJsonObject(req);
  if (!store.has(id)) contactNotFound(id);
  return jsonResponse(200, store.update(id, validateUpdateBody(body)) ?? contactNotFound(id));
}

export function deleteContact(store: ContactStore, id: string): SandboxResponse {
  if (!store.delete(id)) contactNotFound(id);
  return noContentResponse();
}

function contactNotFound(id: string): never {
  throw notFound(`contact ${id} not found`, { id });
}
