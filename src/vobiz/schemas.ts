/**
 * The shapes the Vobiz Contacts API answers with, as zod schemas. They accept unknown extra fields
 * (an API adds fields over time; a client that rejects them breaks for no reason) and both list
 * envelopes the docs have shown.
 */
import { z } from 'zod';

// Null read as absent (CONTACT_NULL_MEANS_ABSENT in contract.ts): one such contact must not make a
// whole page unreadable.
const optionalText = z
  .string()
  .nullish()
  .transform((value) => value ?? undefined)
  .optional();

export const ContactSchema = z.looseObject({
  id: z.string(),
  account_id: optionalText,
  phone_number: z.string(),
  name: z.string(),
  tags: z
    .array(z.string())
    .nullish()
    .transform((tags) => tags ?? []),
  custom_attributes: z
    .record(z.string(), z.unknown())
    .nullish()
    .transform((attributes) => attributes ?? {}),
  last_active_at: optionalText,
  created_at: optionalText,
  updated_at: optionalText,
});
export type Contact = z.infer<typeof ContactSchema>;

/** The list page, normalised from either envelope to the current flat one. */
export interface ContactPage {
  items: Contact[];
  total: number;
  page: number;
  limit: number;
  has_more: boolean;
}

/** [doc] Current envelope: `{items,total,page,limit,has_more}`. */
const FlatListSchema = z.looseObject({
  items: z.array(ContactSchema),
  total: z.number().int().nonnegative(),
  page: z.number().int().positive(),
  limit: z.number().int().positive(),
  has_more: z.boolean().optional(),
});

/** [doc, older] `{data:[...], meta:{total,page,limit}}`. */
const LegacyListSchema = z.looseObject({
  data: z.array(ContactSchema),
  meta: z.looseObject({
    total: z.number().int().nonnegative(),
    page: z.number().int().positive(),
    limit: z.number().int().positive(),
  }),
});

export const ContactPageSchema: z.ZodType<ContactPage> = z.union([
  FlatListSchema.transform(({ items, total, page, limit, has_more }): ContactPage => ({
    items,
    total,
    page,
    limit,
    has_more: has_more ?? page * limit < total,
  })),
  // The older envelope never carried has_more: derive it.
  LegacyListSchema.transform(({ data, meta: { total, page, limit } }): ContactPage => ({
    items: data,
    total,
    page,
    limit,
    has_more: page * limit < total,
  })),
]);

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
