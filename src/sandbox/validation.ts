/**
 * Request validation for the JSON endpoints: which fields a body may carry, and each field checked by the
 * contact rules the tools use too (vobiz/contact-rules.ts, vobiz/phone.ts). Every broken field is
 * reported at once, in a 422 `VALIDATION_ERROR` with `details.errors`.
 */
import {
  checkCustomAttributes,
  checkInteger,
  checkName,
  checkSearch,
  checkTags,
  FIELD_ERROR_CODES,
  type FieldProblem,
} from '../vobiz/contact-rules.js';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, SANDBOX_FIELD_LIMITS } from '../vobiz/contract.js';
import { checkContactPhone } from '../vobiz/phone.js';
import type { JsonObject } from './read-body.js';
import { validationError } from './http-errors.js';

export interface ValidContactInput {
  phone_number: string;
  name: string;
  tags: string[];
  custom_attributes: Record<string, unknown>;
}

export interface ValidContactChanges {
  name?: string;
  tags?: string[];
  custom_attributes?: Record<string, unknown>;
}

const CREATE_FIELDS = new Set(['phone_number', 'name', 'tags', 'custom_attributes']);
const UPDATE_FIELDS = new Set(['name', 'tags', 'custom_attributes']);

/** POST /contacts body → the contact to create, or a 422 listing every broken field. */
export function validateCreateBody(body: JsonObject): ValidContactInput {
  const problems: FieldProblem[] = unknownFieldProblems(body, CREATE_FIELDS);
  const phoneNumber = checkContactPhone(body.phone_number, problems);
  const name = checkName(body.name, problems, 'name', SANDBOX_FIELD_LIMITS);
  const tags = body.tags === undefined ? [] : checkTags(body.tags, problems, 'tags', SANDBOX_FIELD_LIMITS);
  const customAttributes =
    body.custom_attributes === undefined
      ? {}
      : checkCustomAttributes(body.custom_attributes, problems, 'custom_attributes', SANDBOX_FIELD_LIMITS);
  if (problems.length > 0 || phoneNumber === undefined || name === undefined) throw validationError(problems);
  return { phone_number: phoneNumber, name, tags: tags ?? [], custom_attributes: customAttributes ?? {} };
}

/** PUT /contacts/{id} body → only the fields given, or a 422. */
export function validateUpdateBody(body: JsonObject): ValidContactChanges {
  const problems: FieldProblem[] = [];
  for (const field of Object.keys(body)) {
    if (field === 'phone_number') {
      problems.push({
        field,
        message: 'phone_number cannot be changed; delete the contact and create it again',
        code: FIELD_ERROR_CODES.notUpdatable,
        value: body[field],
      });
    } else if (!UPDATE_FIELDS.has(field)) {
      problems.push(unknownField(field, body[field]));
    }
  }
  const changes: ValidContactChanges = {};
  if (body.name !== undefined) changes.name = checkName(body.name, problems, 'name', SANDBOX_FIELD_LIMITS);
  if (body.tags !== undefined) changes.tags = checkTags(body.tags, problems, 'tags', SANDBOX_FIELD_LIMITS);
  if (body.custom_attributes !== undefined) {
    changes.custom_attributes = checkCustomAttributes(
      body.custom_attributes,
      problems,
      'custom_attributes',
      SANDBOX_FIELD_LIMITS,
    );
  }
  if (problems.length === 0 && Object.keys(changes).length === 0) {
    problems.push({
      field: 'body',
      message: 'nothing to update: send at least one of name, tags, custom_attributes',
      code: FIELD_ERROR_CODES.noChanges,
      value: body,
    });
  }
  if (problems.length > 0) throw validationError(problems);
  return changes;
}

export interface ListQuery {
  page: number;
  limit: number;
  search: string | undefined;
  tag: string | undefined;
}

/** GET /contacts query → page, limit and filters, or a 422 for a page, limit or search out of range. */
export function parseListQuery(params: URLSearchParams): ListQuery {
  const problems: FieldProblem[] = [];
  const page = params.has('page')
    ? checkInteger(params.get('page'), 'page', 1, Number.MAX_SAFE_INTEGER, problems)
    : 1;
  const limit = params.has('limit')
    ? checkInteger(params.get('limit'), 'limit', 1, MAX_PAGE_SIZE, problems)
    : DEFAULT_PAGE_SIZE;
  const search = checkSearch(params.get('search') ?? '', problems, 'search', SANDBOX_FIELD_LIMITS);
  if (problems.length > 0 || page === undefined || limit === undefined) throw validationError(problems);
  const tag = params.get('tag')?.trim();
  return { page, limit, search, tag: tag || undefined };
}

function unknownFieldProblems(body: JsonObject, known: ReadonlySet<string>): FieldProblem[] {
  return Object.keys(body)
    .filter((field) => !known.has(field))
    .map((field) => unknownField(field, body[field]));
}

function unknownField(field: string, value: unknown): FieldProblem {
  return { field, message: `unknown field ${field}`, code: FIELD_ERROR_CODES.unknownField, value };
}
