/**
 * PayPal's wire shapes, taken from its OpenAPI files (Transaction Search `reporting_transactions_v1.json`,
 * webhooks `notifications_webhooks_v1.json`) and the OAuth token answer, with parsers that check what finsync
 * uses at the edge. Only the fields finsync reads are typed; the rest of a row is carried but not trusted.
 */
import { TransientError } from '../../src/errors.ts';

/** `money`: `value` is a signed decimal string (`"-78.00"`, `"500"` for JPY, `"1.250"` for TND). */
export interface PayPalMoney {
  readonly currency_code: string;
  readonly value: string;
}

export interface PayPalTransactionInfo {
  readonly transaction_id?: string;
  readonly paypal_account_id?: string;
  readonly paypal_reference_id?: string;
  readonly transaction_event_code?: string;
  readonly transaction_initiation_date?: string;
  readonly transaction_updated_date?: string;
  readonly transaction_amount?: PayPalMoney;
  readonly fee_amount?: PayPalMoney;
  /** `D` denied, `P` pending, `S` success, `V` reversed, `F` partially refunded. */
  readonly transaction_status?: string;
  readonly transaction_subject?: string;
  readonly transaction_note?: string;
  readonly invoice_id?: string;
}

export interface PayPalPayerInfo {
  readonly account_id?: string;
  readonly email_address?: string;
  readonly payer_name?: {
    readonly given_name?: string;
    readonly surname?: string;
    readonly alternate_full_name?: string;
  };
}

/** `transaction_detail`. */
export interface PayPalTransactionDetail {
  readonly transaction_info: PayPalTransactionInfo;
  readonly payer_info?: PayPalPayerInfo;
  readonly [other: string]: unknown;
}

/** `search_response`. */
export interface PayPalSearchResponse {
  readonly transaction_details: readonly PayPalTransactionDetail[];
  readonly account_number?: string;
  readonly page?: number;
  readonly total_items?: number;
  readonly total_pages?: number;
  readonly last_refreshed_datetime?: string;
}

/** `balance_detail` and `balances_response`. */
export interface PayPalBalanceDetail {
  readonly currency: string;
  readonly primary?: boolean;
  readonly total_balance: PayPalMoney;
  readonly available_balance?: PayPalMoney;
  readonly withheld_balance?: PayPalMoney;
}

export interface PayPalBalancesResponse {
  readonly balances: readonly PayPalBalanceDetail[];
  readonly account_id?: string;
  readonly as_of_time?: string;
  readonly last_refresh_time?: string;
}

/** `POST /v1/oauth2/token` (client credentials). `app_id` names the REST app the client id belongs to. */
export interface PayPalTokenResponse {
  readonly access_token: string;
  readonly token_type: string;
  readonly expires_in: number;
  readonly app_id?: string;
  readonly scope?: string;
}

/**
 * Errors: REST calls answer `{ name, message, debug_id, details[] }` (error_400…error_503); the OAuth
 * endpoint answers `{ error, error_description }` (e.g. `invalid_client`).
 */
export interface PayPalErrorBody {
  readonly name?: string;
  readonly message?: string;
  readonly debug_id?: string;
  readonly details?: readonly {
    readonly field?: string;
    readonly issue?: string;
    readonly description?: string;
  }[];
  readonly error?: string;
  readonly error_description?: string;
}

type Loose = Readonly<Record<string, unknown>>;

export function isObject(value: unknown): value is Loose {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

export function parseErrorBody(value: unknown): PayPalErrorBody {
  if (!isObject(value)) return {};
  const details = Array.isArray(value.details)
    ? value.details.filter(isObject).map((d) => ({
        ...(str(d.field) ? { field: str(d.field) } : {}),
        ...(str(d.issue) ? { issue: str(d.issue) } : {}),
        ...(str(d.description) ? { description: str(d.description) } : {}),
      }))
    : undefined;
  const out: Record<string, unknown> = {};
  for (const key of ['name', 'message', 'debug_id', 'error', 'error_description'] as const) {
    const text = str(value[key]);
    if (text !== undefined) out[key] = text;
  }
  if (details) out.details = details;
  return out as PayPalErrorBody;
}

export function parseTokenResponse(value: unknown): PayPalTokenResponse {
  if (!isObject(value) || typeof value.access_token !== 'string' || value.access_token === '') {
    throw new TransientError('PayPal answered the token request without an access_token');
  }
  const expires = typeof value.expires_in === 'number' && value.expires_in > 0 ? value.expires_in : 300;
  return {
    access_token: value.access_token,
    token_type: str(value.token_type) ?? 'Bearer',
    expires_in: expires,
    ...(str(value.app_id) ? { app_id: str(value.app_id) } : {}),
    ...(str(value.scope) ? { scope: str(value.scope) } : {}),
  };
}

const int = (value: unknown): number | undefined =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : undefined;

/** A search page; rows that are not objects with a `transaction_info` object are dropped here. */
export function parseSearchResponse(value: unknown): PayPalSearchResponse {
  if (!isObject(value)) throw new TransientError('PayPal answered a transaction search with no JSON object');
  const rows = Array.isArray(value.transaction_details) ? value.transaction_details : [];
  const details: PayPalTransactionDetail[] = [];
  for (const row of rows) if (isObject(row) && isObject(row.transaction_info)) details.push(slimDetail(row));
  const page = int(value.page);
  const totalItems = int(value.total_items);
  const totalPages = int(value.total_pages);
  return {
    transaction_details: details,
    ...(str(value.account_number) ? { account_number: str(value.account_number) } : {}),
    ...(page === undefined ? {} : { page }),
    ...(totalItems === undefined ? {} : { total_items: totalItems }),
    ...(totalPages === undefined ? {} : { total_pages: totalPages }),
    ...(str(value.last_refreshed_datetime)
      ? { last_refreshed_datetime: str(value.last_refreshed_datetime) }
      : {}),
  };
}

/**
 * Only the parts finsync reads are kept of a row (`fields=all` also brings cart, shipping, store, auction and
 * incentive info): a window's rows are held until the window is stored, and the rest would only cost memory.
 * The kept parts are the parsed objects themselves, not copies (copying cost more CPU than it saved).
 */
function slimDetail(row: Loose): PayPalTransactionDetail {
  const info = row.transaction_info as PayPalTransactionInfo;
  return isObject(row.payer_info)
    ? { transaction_info: info, payer_info: row.payer_info as PayPalPayerInfo }
    : { transaction_info: info };
}

function money(value: unknown): PayPalMoney | undefined {
  return isObject(value) && typeof value.currency_code === 'string' && typeof value.value === 'string'
    ? { currency_code: value.currency_code, value: value.value }
    : undefined;
}

export function parseBalancesResponse(value: unknown): PayPalBalancesResponse {
  if (!isObject(value)) throw new TransientError('PayPal answered the balances request with no JSON object');
  const list = Array.isArray(value.balances) ? value.balances : [];
  const balances: PayPalBalanceDetail[] = [];
  for (const item of list) {
    if (!isObject(item) || typeof item.currency !== 'string') continue;
    const total = money(item.total_balance);
    if (!total) continue;
    const available = money(item.available_balance);
    const withheld = money(item.withheld_balance);
    balances.push({
      currency: item.currency,
      total_balance: total,
      ...(available ? { available_balance: available } : {}),
      ...(withheld ? { withheld_balance: withheld } : {}),
      ...(typeof item.primary === 'boolean' ? { primary: item.primary } : {}),
    });
  }
  return {
    balances,
    ...(str(value.account_id) ? { account_id: str(value.account_id) } : {}),
    ...(str(value.as_of_time) ? { as_of_time: str(value.as_of_time) } : {}),
    ...(str(value.last_refresh_time) ? { last_refresh_time: str(value.last_refresh_time) } : {}),
  };
}
