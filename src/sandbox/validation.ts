/**
 * Field rules for contacts, shared by the JSON endpoints (which answer 422 with every broken field) and
 * the CSV import (which turns the same messages into a row's `reason`). Each check pushes what is wrong
 * into `errors` and returns the normalised value, so one pass reports every problem at once.
 */
import {
  DEFAULT_PAGE_SIZE,
  E164_PATTERN,
  MAX_CUSTOM_ATTRIBUTE_KEY_LENGTH,
  MAX_CUSTOM_ATTRIBUTES,
  MAX_NAME_LENGTH,
  MAX_PAGE_SIZE,
  MAX_TAG_LENGTH,
  MAX_TAGS_PER_CONTACT,
} from '../vobiz/contract.js';
import type { JsonObject } from './body.js';
import { validationError, type FieldErrorDetail } from './errors.js';

/** The `details.errors[].code` values the sandbox uses. */
export const FIELD_ERROR_CODES = {
  required: 'required',
  invalidType: 'invalid_type',
  invalidFormat: 'invalid_format',
  tooLong: 'too_long',
  tooMany: 'too_many',
  empty: 'empty',
  notUpdatable: 'not_updatable',
  unknownField: 'unknown_field',
  noChanges: 'no_changes',
  outOfRange: 'out_of_range',
} as const;

export const INVALID_PHONE_MESSAGE = 'invalid phone_number: must be E.164 format';

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
  const errors: FieldErrorDetail[] = unknownFieldErrors(body, CREATE_FIELDS);
  const phoneNumber = checkPhoneNumber(body.phone_number, errors);
  const name = checkName(body.name, errors);
  const tags = body.tags === undefined ? [] : checkTags(body.tags, errors);
  const customAttributes =
    body.custom_attributes === undefined ? {} : checkCustomAttributes(body.custom_attributes, errors);
  if (errors.length > 0 || phoneNumber === undefined || name === undefined) throw validationError(errors);
  return { phone_number: phoneNumber, name, tags: tags ?? [], custom_attributes: customAttributes ?? {} };
}

/** PUT /contacts/{id} body → only the fields given, or a 422. */
export function validateUpdateBody(body: JsonObject): ValidContactChanges {
  const errors: FieldErrorDetail[] = [];
  for (const field of Object.keys(body)) {
    if (field === 'phone_number') {
      errors.push({
        field,
        message: 'phone_number cannot be changed; delete the contact and create it again',
        code: FIELD_ERROR_CODES.notUpdatable,
        value: body[field],
      });
    } else if (!UPDATE_FIELDS.has(field)) {
      errors.push(unknownField(field, body[field]));
    }
  }
  const changes: ValidContactChanges = {};
  if (body.name !== undefined) changes.name = checkName(body.name, errors);
  if (body.tags !== undefined) changes.tags = checkTags(body.tags, errors);
  if (body.custom_attributes !== undefined) {
    changes.custom_attributes = checkCustomAttributes(body.custom_attributes, errors);
  }
  if (errors.length === 0 && Object.keys(changes).length === 0) {
    errors.push({
      field: 'body',
      message: 'nothing to update: send at least one of name, tags, custom_attributes',
      code: FIELD_ERROR_CODES.noChanges,
      value: body,
    });
  }
  if (errors.length > 0) throw validationError(errors);
  return changes;
}

export interface ListQuery {
  page: number;
  limit: number;
  search: string | undefined;
  tag: string | undefined;
}

/** GET /contacts query → page, limit and filters, or a 422 for a page or limit out of range. */
export function parseListQuery(params: URLSearchParams): ListQuery {
  const errors: FieldErrorDetail[] = [];
  const page = checkPositiveInteger(params.get('page'), 'page', 1, Number.MAX_SAFE_INTEGER, 1, errors);
  const limit = checkPositiveInteger(
    params.get('limit'),
    'limit',
    1,
    MAX_PAGE_SIZE,
    DEFAULT_PAGE_SIZE,
    errors,
  );
  if (errors.length > 0) throw validationError(errors);
  const search = params.get('search')?.trim();
  const tag = params.get('tag')?.trim();
  return { page, limit, search: search || undefined, tag: tag || undefined };
}

function checkPositiveInteger(
  raw: string | null,
  field: string,
  min: number,
  max: number,
  fallback: number,
  errors: FieldErrorDetail[],
): number {
  if (raw === null) return fallback;
  const value = /^\d+$/.test(raw.trim()) ? Number(raw.trim()) : Number.NaN;
  if (Number.isSafeInteger(value) && value >= min && value <= max) return value;
  const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `between ${min} and ${max}`;
  errors.push({
    field,
    message: `${field} must be an integer ${range}`,
    code: Number.isNaN(value) ? FIELD_ERROR_CODES.invalidType : FIELD_ERROR_CODES.outOfRange,
    value: raw,
  });
  return fallback;
}

export function checkPhoneNumber(value: unknown, errors: FieldErrorDetail[]): string | undefined {
  const field = 'phone_number';
  if (value === undefined || value === null || value === '') {
    errors.push({
      field,
      message: 'phone_number is required',
      code: FIELD_ERROR_CODES.required,
      value: null,
    });
  } else if (typeof value !== 'string') {
    errors.push({
      field,
      message: 'phone_number must be a string',
      code: FIELD_ERROR_CODES.invalidType,
      value,
    });
  } else if (!E164_PATTERN.test(value)) {
    errors.push({ field, message: INVALID_PHONE_MESSAGE, code: FIELD_ERROR_CODES.invalidFormat, value });
  } else {
    return value;
  }
  return undefined;
}

export function checkName(value: unknown, errors: FieldErrorDetail[]): string | undefined {
  const field = 'name';
  if (value === undefined || value === null) {
    errors.push({ field, message: 'name is required', code: FIELD_ERROR_CODES.required, value: null });
  } else if (typeof value !== 'string') {
    errors.push({ field, message: 'name must be a string', code: FIELD_ERROR_CODES.invalidType, value });
  } else if (value.trim() === '') {
    errors.push({ field, message: 'name must not be empty', code: FIELD_ERROR_CODES.empty, value });
  } else if (value.trim().length > MAX_NAME_LENGTH) {
    const message = `name must be at most ${MAX_NAME_LENGTH} characters`;
    errors.push({ field, message, code: FIELD_ERROR_CODES.tooLong, value });
  } else {
    return value.trim();
  }
  return undefined;
}

/** Tags trimmed and de-duplicated; every element is checked so that all bad ones are reported. */
export function checkTags(value: unknown, errors: FieldErrorDetail[]): string[] | undefined {
  if (!Array.isArray(value)) {
    errors.push({
      field: 'tags',
      message: 'tags must be an array of strings',
      code: FIELD_ERROR_CODES.invalidType,
      value,
    });
    return undefined;
  }
  const tags: string[] = [];
  let valid = true;
  value.forEach((tag: unknown, index) => {
    const field = `tags[${index}]`;
    if (typeof tag !== 'string') {
      errors.push({
        field,
        message: `${field} must be a string`,
        code: FIELD_ERROR_CODES.invalidType,
        value: tag,
      });
      valid = false;
    } else if (tag.trim() === '') {
      errors.push({
        field,
        message: `${field} must not be empty`,
        code: FIELD_ERROR_CODES.empty,
        value: tag,
      });
      valid = false;
    } else if (tag.trim().length > MAX_TAG_LENGTH) {
      const message = `${field} must be at most ${MAX_TAG_LENGTH} characters`;
      errors.push({ field, message, code: FIELD_ERROR_CODES.tooLong, value: tag });
      valid = false;
    } else if (!tags.includes(tag.trim())) {
      tags.push(tag.trim());
    }
  });
  if (tags.length > MAX_TAGS_PER_CONTACT) {
    errors.push({
      field: 'tags',
      message: `too many tags: ${tags.length} (at most ${MAX_TAGS_PER_CONTACT})`,
      code: FIELD_ERROR_CODES.tooMany,
      value: tags.length,
    });
    valid = false;
  }
  return valid ? tags : undefined;
}

export function checkCustomAttributes(
  value: unknown,
  errors: FieldErrorDetail[],
): Record<string, unknown> | undefined {
  const field = 'custom_attributes';
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    const message = 'custom_attributes must be an object';
    errors.push({ field, message, code: FIELD_ERROR_CODES.invalidType, value });
    return undefined;
  }
  const entries = Object.entries(value);
  let valid = true;
  if (entries.length > MAX_CUSTOM_ATTRIBUTES) {
    const message = `too many custom_attributes: ${entries.length} (at most ${MAX_CUSTOM_ATTRIBUTES})`;
    errors.push({ field, message, code: FIELD_ERROR_CODES.tooMany, value: entries.length });
    valid = false;
  }
  for (const [key] of entries) {
    if (key.trim() === '' || key.length > MAX_CUSTOM_ATTRIBUTE_KEY_LENGTH) {
      const message = `custom_attributes keys must be 1 to ${MAX_CUSTOM_ATTRIBUTE_KEY_LENGTH} characters`;
      errors.push({ field: `${field}.${key}`, message, code: FIELD_ERROR_CODES.invalidFormat, value: key });
      valid = false;
    }
  }
  // fromEntries defines own properties, so a `__proto__` key stays plain data.
  return valid ? Object.fromEntries(entries) : undefined;
}

function unknownFieldErrors(body: JsonObject, known: ReadonlySet<string>): FieldErrorDetail[] {
  return Object.keys(body)
    .filter((field) => !known.has(field))
    .map((field) => unknownField(field, body[field]));
}

function unknownField(field: string, value: unknown): FieldErrorDetail {
  return { field, message: `unknown field ${field}`, code: FIELD_ERROR_CODES.unknownField, value };
}
