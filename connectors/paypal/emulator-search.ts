/**
 * The emulator's reporting API: `GET /v1/reporting/transactions` and `GET /v1/reporting/balances`, with the
 * rules of the spec and of the service: `start_date`/`end_date` required in the spec's date-time form, a range
 * of at most 31 days, `page_size` 1–500, 1-based `page`, `balance_affecting_records_only` defaulting to `Y`,
 * and `400 RESULTSET_TOO_LARGE` (no page at all) when the window holds more rows than the result-set limit.
 */
import { minorToDecimal } from '../../src/money.ts';
import { detailJson, formatPayPalDate, type PayPalLedger } from './emulator-data.ts';
import { type Reply, restError } from './emulator-wire.ts';

/** The spec's date_time pattern (the query side accepts only `Z` or `±hh:mm`). */
const DATE_TIME =
  /^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[1-2][0-9]|3[0-1])[T,t]([0-1][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)([.][0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2})$/;
const MAX_RANGE_MS = 31 * 86_400_000;

export interface SearchContext {
  readonly ledger: PayPalLedger;
  readonly accountId: string;
  readonly now: number;
  readonly resultSetLimit: number;
}

function invalid(field: string, value: string | null, issue: string): Reply {
  return restError(400, 'INVALID_REQUEST', [
    { field, ...(value === null ? {} : { value }), location: 'query', issue, description: issue },
  ]);
}

export function searchTransactions(query: URLSearchParams, ctx: SearchContext): Reply {
  const startText = query.get('start_date');
  const endText = query.get('end_date');
  if (!startText || !DATE_TIME.test(startText))
    return invalid('start_date', startText, 'INVALID_PARAMETER_SYNTAX');
  if (!endText || !DATE_TIME.test(endText)) return invalid('end_date', endText, 'INVALID_PARAMETER_SYNTAX');
  const start = Date.parse(startText);
  const end = Date.parse(endText);
  if (end < start) return invalid('end_date', endText, 'End date should be greater than start date.');
  if (end - start > MAX_RANGE_MS)
    return invalid('start_date', startText, 'Date range is greater than 31 days');
  const pageSize = Number(query.get('page_size') ?? '100');
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 500) {
    return invalid('page_size', query.get('page_size'), 'INVALID_PARAMETER_VALUE');
  }
  const page = Number(query.get('page') ?? '1');
  if (!Number.isInteger(page) || page < 1)
    return invalid('page', query.get('page'), 'INVALID_PARAMETER_VALUE');
  const balanceOnly = (query.get('balance_affecting_records_only') ?? 'Y').toUpperCase() !== 'N';
  const rows = ctx.ledger.query(start, end, balanceOnly, ctx.now);
  if (rows.length > ctx.resultSetLimit) return restError(400, 'RESULTSET_TOO_LARGE');
  const totalPages = Math.ceil(rows.length / pageSize);
  const slice = rows.slice((page - 1) * pageSize, page * pageSize);
  return {
    status: 200,
    body: {
      transaction_details: slice.map((row) => detailJson(row, ctx.accountId)),
      account_number: ctx.accountId,
      start_date: startText,
      end_date: endText,
      last_refreshed_datetime: formatPayPalDate(ctx.now, '+0000'),
      page,
      total_items: rows.length,
      total_pages: totalPages,
      links: [],
    },
  };
}

export function listBalances(ctx: SearchContext): Reply {
  const balances = [...ctx.ledger.balances(ctx.now)].map(([currency, { available, withheld }], i) => ({
    currency,
    primary: i === 0,
    total_balance: { currency_code: currency, value: minorToDecimal(available + withheld, currency) },
    available_balance: { currency_code: currency, value: minorToDecimal(available, currency) },
    withheld_balance: { currency_code: currency, value: minorToDecimal(withheld, currency) },
  }));
  const asOf = formatPayPalDate(ctx.now, 'Z');
  return {
    status: 200,
    body: { balances, account_id: ctx.accountId, as_of_time: asOf, last_refresh_time: asOf },
  };
}
