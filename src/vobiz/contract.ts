/**
 * The Vobiz Contacts API contract: every point the public docs leave open, decided once, here.
 *
 * The docs (shared/api/CONTACTS-API.md) mark what they state as [doc] and what they leave open as
 * [assumed]. Both the MCP tools (which must survive whatever the real API does) and the sandbox (which
 * must behave like it) read these constants, so a change to an assumption is a change to this file only.
 * An assumption that no code reads as a value (the shape of an answer, an order) is written here as a
 * named comment (`NAME: [assumed] …`), which the code that relies on it names.
 */

/** [doc] The current base URL; an older docs version used `/v1/messaging`, so it is configurable. */
export const DEFAULT_BASE_URL = 'https://api.vobiz.ai/api/v1/messaging';

/** [doc] The path every route hangs under, on the sandbox as on the real API. */
export const API_PATH_PREFIX = '/api/v1/messaging';

/** [doc] The account id format (`MA_XXXXXXXX`); [assumed] letters and digits of any length after `MA_`. */
export const AUTH_ID_PATTERN = /^MA_[A-Za-z0-9]+$/;

/** [doc] Default page size of GET /contacts. */
export const DEFAULT_PAGE_SIZE = 25;

/** [assumed] Largest `limit` GET /contacts accepts; sibling Vobiz APIs cap at 100. Beyond it: 422. */
export const MAX_PAGE_SIZE = 100;

/**
 * PHONE_NUMBER_RULE: [doc] Phone numbers are E.164: a `+`, a country code that does not start with 0, at
 * most 15 digits. [assumed] The API accepts a number when its country calling code exists and its national
 * number has a length possible under that code; it does not require the number to lie in a range known to be
 * allocated (that list changes every month). A national (trunk) prefix written after the country code
 * (`+4402079460958` for +442079460958) makes a string that is not the E.164 form of any number: refused
 * (the sandbox's 422 names the number meant); the tools and the CSV checker drop it, per country as
 * libphonenumber's metadata says (Italy's 0 stays), and say so. Implemented in phone.ts, for the tools and
 * the sandbox alike.
 */

/** An example the tool descriptions and error messages show. */
export const E164_EXAMPLE = '+919876543210';

/**
 * [doc] Contact ids are UUIDs; older docs showed `cnt_…` ids. [assumed] Any id of this safe charset
 * may be valid, so the tools accept it rather than UUIDs alone, and nothing outside it (no `/`, `%`,
 * `.`, whitespace or control characters) can reach a URL path.
 */
export const CONTACT_ID_PATTERN = /^[A-Za-z0-9_-]{1,128}$/;

/**
 * [assumed] Field limits; the docs give none. Only the sandbox enforces them, standing in for limits the
 * API may have (so that the tests see an upstream 422 as a user would). The client enforces none of them:
 * it is never stricter than the docs, and the API's own answer names whatever it refuses.
 */
export const SANDBOX_FIELD_LIMITS = {
  name: 256,
  tag: 64,
  tagsPerContact: 100,
  customAttributes: 100,
  customAttributeKey: 64,
  /** Longest `search` text of GET /contacts; longer is 422. */
  search: 256,
  /**
   * Deepest nesting of `custom_attributes` (objects and arrays, the attributes object counting 1); deeper
   * is 422 `too_deep`, as an API with a depth limit answers, rather than stored and unreadable after.
   */
  customAttributesDepth: 32,
} as const;

/**
 * [assumed] `custom_attributes` values may be any JSON value. These keys are refused (422
 * `reserved_key`): too many JSON consumers turn them into prototype changes, and a copy made by
 * assignment silently drops `__proto__`.
 */
export const RESERVED_ATTRIBUTE_KEYS: readonly string[] = ['__proto__', 'constructor', 'prototype'];

/**
 * [assumed] A second create with a phone number that already exists is 409 `CONFLICT` (409 is in the
 * docs' list of codes), with the existing contact's id in `details.existing_id`.
 */
export const DUPLICATE_CONTACT_STATUS = 409;
export const DUPLICATE_CONTACT_CODE = 'CONFLICT';

/**
 * CONTACT_RESPONSE_IS_BARE: [assumed] GET /contacts/{id}, POST and PUT answer with the bare Contact, not an
 * envelope.
 */

/** UPDATE_TAGS_REPLACES: [assumed] PUT `tags` replaces the whole list (so tagging is read-modify-write). */

/**
 * CONTACT_NULL_MEANS_ABSENT: [assumed] A contact field the API has no value for may come as `null` as well
 * as absent; the client reads both as absent (no tags, no attributes, no timestamp) rather than failing the
 * whole page.
 */

/**
 * SEARCH_FINDS_FULL_PHONE_NUMBER: [assumed] `search` matches a phone number as a substring of the stored
 * E.164 number, so a search for the full number finds its contact (among any longer numbers it prefixes,
 * filtered out exactly). The lookup by phone rests on it: get_contact by phone_number, and create_contact's
 * check after an unknown outcome that keeps it from creating a duplicate.
 */

/** [doc] Required CSV columns of POST /contacts/import; `tags` is optional, one comma-separated cell. */
export const CSV_REQUIRED_COLUMNS = ['phone_number', 'name'] as const;
export const CSV_TAG_SEPARATOR = ',';

/** [doc] The multipart form field the CSV is sent under. */
export const IMPORT_FILE_FIELD = 'file';

/**
 * [assumed] Import upserts by phone number: a number that exists counts as `updated`, its name is
 * overwritten and the row's tags are added to the ones it has (nothing is lost). A number repeated
 * inside one file is created once, then updated. `row` in the summary counts data rows from 1, header
 * excluded. So sending a chunk twice leaves the same contacts: the client repeats it after a lost answer.
 */
export const IMPORT_UPSERTS_BY_PHONE = true;

/**
 * [assumed] Error bodies. The platform-wide shape is
 * `{status:"error", error:{code,message,details}, timestamp, requestId}`; for contacts nothing is
 * documented, so `error` may also be a plain string, `message` may sit at the top level, and a proxy may
 * answer with HTML. The client parses all of them and never crashes on any other.
 */
export const ERROR_CODES = {
  badRequest: 'BAD_REQUEST',
  unauthorized: 'UNAUTHORIZED',
  notFound: 'NOT_FOUND',
  conflict: DUPLICATE_CONTACT_CODE,
  validation: 'VALIDATION_ERROR',
  rateLimited: 'RATE_LIMIT_EXCEEDED',
  internal: 'INTERNAL_ERROR',
  unsupportedMediaType: 'UNSUPPORTED_MEDIA_TYPE',
} as const;

/** [doc] 429 carries `details.retryAfter` (seconds) and a `Retry-After` header when present. */
export const RATE_LIMIT_STATUS = 429;

// ---------------------------------------------------------------------------------------------------
// Decided for the sandbox (issue 2). Everything below is [assumed]: the docs say nothing about it.
// ---------------------------------------------------------------------------------------------------

/** [assumed] Largest JSON request body accepted; beyond it: 413 `PAYLOAD_TOO_LARGE`. */
export const MAX_JSON_BODY_BYTES = 1024 * 1024;
export const PAYLOAD_TOO_LARGE_CODE = 'PAYLOAD_TOO_LARGE';

/** [assumed] A known path with a method it does not serve: 405 `METHOD_NOT_ALLOWED` and an `Allow` header. */
export const METHOD_NOT_ALLOWED_CODE = 'METHOD_NOT_ALLOWED';

/**
 * [assumed] Content types. A non-empty JSON body must be sent as `application/json` (or `+json`),
 * otherwise 415 `UNSUPPORTED_MEDIA_TYPE`; an empty body counts as `{}`. POST /contacts/import with a body
 * that is not `multipart/form-data` is 415 `UNSUPPORTED_MEDIA_TYPE`; a multipart body that is malformed,
 * or has no file part named `file` (a plain text field of that name does not count), is 400 `BAD_REQUEST`.
 */
export const UNSUPPORTED_MEDIA_TYPE_STATUS = 415;

/** [assumed] The `error.code` of each 5xx status. */
export const SERVER_ERROR_CODES = {
  500: 'INTERNAL_ERROR',
  502: 'BAD_GATEWAY',
  503: 'SERVICE_UNAVAILABLE',
  504: 'GATEWAY_TIMEOUT',
} as const;

/**
 * REJECT_UNKNOWN_BODY_FIELDS: [assumed] Create and update bodies are checked strictly: a field the endpoint
 * does not know is 422 (`details.errors[].code` `unknown_field`), so a client's typo is not silently
 * dropped. PUT with `phone_number` is 422 (`not_updatable`), even with the same number; PUT with no
 * updatable field is 422.
 */

/**
 * UPDATE_CUSTOM_ATTRIBUTES_REPLACES: [assumed] PUT `custom_attributes` replaces the whole object, as `tags`
 * replaces the list.
 */

/**
 * NAMES_AND_TAGS_ARE_TRIMMED: [assumed] Normalisation on write: `name` and each tag are trimmed, tags are
 * de-duplicated (first occurrence kept, case kept); an empty name or tag after trimming is 422.
 * `phone_number` is not trimmed in JSON bodies (it must already be E.164); CSV cells are trimmed.
 */

/**
 * LIST_ORDER: [assumed] GET /contacts `search`: case-insensitive substring of the name, or substring of the
 * phone number once spaces, dashes, dots and parentheses are removed from the search (`98765`, `+9198765`
 * and `+91 98765` all match `+919876543210`). `tag`: one tag, exact and case-sensitive. Both combine (AND).
 * Empty `search`/`tag` mean no filter. `page` must be an integer >= 1 and `limit` an integer in
 * 1..MAX_PAGE_SIZE, otherwise 422 with `details.errors`. Order: creation order, oldest first.
 */

/**
 * LIST_PAGES_ARE_POSITIONS: [assumed] A list answer echoes the `page` asked for, and the `limit` (a lower
 * one on the first page is followed, as an API that caps its pages). Pages are positions in LIST_ORDER,
 * which changes only when contacts are created or deleted: a scan goes on from a position and looks for
 * the last contact it read there. An answer that breaks this stops the scan, which says why (bulk/scan.ts).
 */

/**
 * [assumed] CSV import details. Header names are trimmed and matched case-sensitively; unknown columns
 * are ignored; a missing `phone_number`/`name` header is 422 naming the headers found. Records end at
 * CRLF, LF or CR (mixed is fine). Blank lines and rows whose cells are all blank are skipped and not
 * counted. A row with more cells than the header fails (an unquoted comma in a cell, usually); a row with
 * fewer cells reads the missing ones as empty. A record longer than MAX_CSV_RECORD_BYTES, or any CSV
 * syntax error (an unclosed quote, ...), stops the import with 422 giving the parser's reason and line.
 */
export const MAX_CSV_RECORD_BYTES = 64 * 1024;

/**
 * IMPORT_IS_ATOMIC: [assumed] Import is streamed, not atomic: rows are applied as they are read, so when a
 * CSV syntax error stops an import, the rows before it stay applied and the 422's `details.applied` counts
 * them.
 */
