/**
 * The shapes the Vobiz Contacts API answers with, as zod schemas. They accept unknown extra fields
 * (an API adds fields over time; a client that rejects them breaks for no reason) and both list
 * envelopes the docs have shown.
 */
import { z } from 'zod';

/**
 * A contact as the API sends it. A field it has no value for may be `null` (CONTACT_NULL_MEANS_ABSENT in
 * contract.ts): accepted here, so that one such contact does not make a whole page unreadable, and read
 * as absent by `toContact`.
 */
export const ContactBodySchema = z.looseObject({
  id: z.string(),
  account_id: z.string().nullish(),
  phone_number: z.string(),
  name: z.string(),
  tags: z.array(z.string()).nullish(),
  custom_attributes: z.record(z.string(), z.unknown()).nullish(),
  last_active_at: z.string().nullish(),
  created_at: z.string().nullish(),
  updated_at: z.string().nullish(),
});
export type ContactBody = z.infer<typeof ContactBodySchema>;

/** A contact as the client returns it: no tags and no attributes are empty, other missing fields absent. */
export interface Contact {
  id: string;
  account_id?: string;
  phone_number: string;
  name: string;
  tags: string[];
  custom_attributes: Record<string, unknown>;
  last_active_at?: string;
  created_at?: string;
  updated_at?: string;
  /** Fields the API added that this client does not know, kept as they came. */
  [field: string]: unknown;
}

export function toContact({
  id,
  account_id,
  phone_number,
  name,
  tags,
  custom_attributes,
  last_active_at,
  created_at,
  updated_at,
  ...unknownFields
}: ContactBody): Contact {
  return {
    id,
    ...(account_id != null && { account_id }),
    phone_number,
    name,
    tags: tags ?? [],
    custom_attributes: custom_attributes ?? {},
    ...(last_active_at != null && { last_active_at }),
    ...(created_at != null && { created_at }),
    ...(updated_at != null && { updated_at }),
    ...unknownFields,
  };
}

/** The list page, normalised from either envelope to the current flat one. */
export interface ContactPage {
  items: Contact[];
  total: number;
  page: number;
  limit: number;
  has_more: boolean;
}

/**
 * [doc] Current envelope: `{items,total,page,limit,has_more}`. The envelopes drop unknown fields rather
 * than pass them on (they accept them all the same): the page keeps none, and `toContactPage` tells the
 * two apart by `items`.
 */
const FlatListSchema = z.object({
  items: z.array(ContactBodySchema),
  total: z.number().int().nonnegative(),
  page: z.number().int().positive(),
  limit: z.number().int().positive(),
  has_more: z.boolean().optional(),
});

/** [doc, older] `{data:[...], meta:{total,page,limit}}`. */
const LegacyListSchema = z.object({
  data: z.array(ContactBodySchema),
  meta: z.looseObject({
    total: z.number().int().nonnegative(),
    page: z.number().int().positive(),
    limit: z.number().int().positive(),
  }),
});

/** A list body in either envelope, checked; `toContactPage` normalises it. */
export const ContactListBodySchema = z.union([FlatListSchema, LegacyListSchema]);
export type ContactListBody = z.infer<typeof ContactListBodySchema>;

export function toContactPage(body: ContactListBody): ContactPage {
  if ('items' in body) {
    const { items, total, page, limit, has_more } = body;
    return { items: items.map(toContact), total, page, limit, has_more: has_more ?? page * limit < total };
  }
  // The older envelope never carried has_more: derive it.
  const { total, page, limit } = body.meta;
  return { items: body.data.map(toContact), total, page, limit, has_more: page * limit < total };
}

export const ImportRowErrorSchema = z.looseObject({
  row: z.number().int(),
  phone_number: z.string().default(''),
  reason: z.string(),
});
export type ImportRowError = z.infer<typeof ImportRowErrorSchema>;

export const ImportSummarySchema = z.looseObject({
  total: z.number().int().nonnegative(),
  created: z.number().int().nonnegative(),
  updated: z.number().int().nonnegative(),
  failed: z.number().int().nonnegative(),
  errors: z.array(ImportRowErrorSchema).default([]),
});
export type ImportSummary = z.infer<typeof ImportSummarySchema>;

/** One entry of `error.details.errors[]`. */
export const FieldErrorSchema = z.looseObject({
  field: z.string().optional(),
  message: z.string().optional(),
  code: z.string().optional(),
  value: z.unknown().optional(),
});
export type FieldError = z.infer<typeof FieldErrorSchema>;

/**
 * [assumed] Every error body the API may send: the documented object form, `error` as a plain string,
 * or only a top-level `message`. Anything else (HTML, empty, truncated JSON) fails this schema and is
 * handled by the client as an unreadable body.
 */
export const ErrorBodySchema = z.looseObject({
  status: z.string().optional(),
  error: z
    .union([
      z.string(),
      z.looseObject({
        code: z.string().optional(),
        message: z.string().optional(),
        details: z
          .looseObject({
            errors: z.array(FieldErrorSchema).optional(),
            retryAfter: z.number().optional(),
          })
          .optional(),
      }),
    ])
    .optional(),
  message: z.string().optional(),
  timestamp: z.string().optional(),
  requestId: z.string().optional(),
});
export type ErrorBody = z.infer<typeof ErrorBodySchema>;
