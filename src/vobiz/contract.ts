/**
 * The Vobiz Contacts API contract: every point the public docs leave open, decided once, here.
 *
 * The docs (shared/api/CONTACTS-API.md) mark what they state as [doc] and what they leave open as
 * [assumed]. Both the MCP tools (which must survive whatever the real API does) and the sandbox (which
 * must behave like it) read these constants, so a change to an assumption is a change to this file only.
 */

/** [doc] The current base URL; an older docs version used `/v1/messaging`, so it is configurable. */
export const DEFAULT_BASE_URL = 'https://api.vobiz.ai/api/v1/messaging';

/** [doc] The path every route hangs under, on the sandbox as on the real API. */
export const API_PATH_PREFIX = '/api/v1/messaging';

/** [doc] Default page size of GET /contacts. */
export const DEFAULT_PAGE_SIZE = 25;

/** [assumed] Largest `limit` GET /contacts accepts; sibling Vobiz APIs cap at 100. Beyond it: 422. */
export const MAX_PAGE_SIZE = 100;

/**
 * [doc] Phone numbers are E.164: a `+`, a country code that does not start with 0, at most 15 digits.
 * [assumed] At least 8 digits in all; the shortest numbering plans in use have 7 after a 1-digit code.
 */
export const E164_PATTERN = /^\+[1-9]\d{7,14}$/;

/** An example the tool descriptions and error messages show. */
export const E164_EXAMPLE = '+919876543210';

/**
 * [doc] Contact ids are UUIDs; older docs showed `cnt_…` ids. [assumed] Any id of this safe charset
 * may be valid, so the tools accept it rather than UUIDs alone, and nothing outside it (no `/`, `%`,
 * `.`, whitespace or control characters) can reach a URL path.
 */
export const CONTACT_ID_PATTERN = /^[A-Za-z0-9_-]{1,128}$/;

/** [assumed] Field limits; the docs give none. Generous, so that nothing valid upstream is refused. */
export const MAX_NAME_LENGTH = 256;
export const MAX_TAG_LENGTH = 64;
export const MAX_TAGS_PER_CONTACT = 100;
export const MAX_CUSTOM_ATTRIBUTES = 100;
export const MAX_CUSTOM_ATTRIBUTE_KEY_LENGTH = 64;

/**
 * [assumed] A second create with a phone number that already exists is 409 `CONFLICT` (409 is in the
 * docs' list of codes), with the existing contact's id in `details.existing_id`.
 */
export const DUPLICATE_CONTACT_STATUS = 409;
export const DUPLICATE_CONTACT_CODE = 'CONFLICT';

/** [assumed] GET /contacts/{id}, POST and PUT answer with the bare Contact, not an envelope. */
export const CONTACT_RESPONSE_IS_BARE = true;

/** [assumed] PUT `tags` replaces the whole list (so tagging is read-modify-write). */
export const UPDATE_TAGS_REPLACES = true;

/** [doc] Required and optional CSV columns of POST /contacts/import; `tags` is one comma-separated cell. */
export const CSV_REQUIRED_COLUMNS = ['phone_number', 'name'] as const;
export const CSV_OPTIONAL_COLUMNS = ['tags'] as const;
export const CSV_TAG_SEPARATOR = ',';

/** [doc] The multipart form field the CSV is sent under. */
export const IMPORT_FILE_FIELD = 'file';

/**
 * [assumed] Import upserts by phone number: a number that exists counts as `updated`, its name is
 * overwritten and the row's tags are added to the ones it has (nothing is lost). A number repeated
 * inside one file is created once, then updated. `row` in the summary counts data rows from 1, header
 * excluded.
 */
export const IMPORT_UPSERTS_BY_PHONE = true;
export const IMPORT_ROW_NUMBERS_START_AT = 1;

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
