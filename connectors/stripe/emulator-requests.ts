/**
 * The emulator's request checks, as Stripe does them: API keys (secret, restricted, missing permission)
 * and list parameters. Failures are ApiErrors carrying Stripe's error envelope fields.
 */
import type { Dataset, ListName } from './emulator-data.ts';
import type { ListQuery } from './emulator-objects.ts';

export const LISTS: ReadonlySet<string> = new Set([
  'balance_transactions',
  'charges',
  'refunds',
  'payouts',
  'customers',
  'disputes',
]);
export const OBJECT_NAME: Readonly<Record<ListName, string>> = {
  balance_transactions: 'balance_transaction',
  charges: 'charge',
  refunds: 'refund',
  payouts: 'payout',
  customers: 'customer',
  disputes: 'dispute',
};
/** Filters real Stripe accepts on these lists that the emulator does not implement: refused, never ignored. */
const UNSUPPORTED = new Set([
  'type',
  'currency',
  'payout',
  'source',
  'customer',
  'payment_intent',
  'charge',
  'email',
]);

export class ApiError {
  constructor(
    readonly status: number,
    readonly error: Readonly<Record<string, string>>,
  ) {}
}

export const invalid = (message: string, extra: Record<string, string> = {}, status = 400) =>
  new ApiError(status, { type: 'invalid_request_error', message, ...extra });

/** Stripe shows keys as prefix, stars and the last four characters. */
export function maskKey(key: string): string {
  if (key.length <= 12) return '*'.repeat(key.length);
  return `${key.slice(0, 8)}${'*'.repeat(key.length - 12)}${key.slice(-4)}`;
}

export interface KeyPolicy {
  readonly secretKeys: ReadonlySet<string>;
  /** Restricted key → whether it may read the balance. */
  readonly restricted: ReadonlyMap<string, boolean>;
  readonly accountId: string;
}

/** Checks the request's key as Stripe does; returns the key. */
export function authenticate(header: string, path: string, keys: KeyPolicy): string {
  const bearer = /^Bearer\s+(\S+)$/i.exec(header)?.[1];
  const basic = /^Basic\s+(\S+)$/i.exec(header)?.[1];
  const key = bearer ?? (basic ? Buffer.from(basic, 'base64').toString('utf8').split(':')[0] : undefined);
  if (!key) {
    throw invalid(
      "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').",
      {},
      401,
    );
  }
  if (keys.secretKeys.has(key)) return key;
  const balanceRead = keys.restricted.get(key);
  if (balanceRead === undefined) throw invalid(`Invalid API Key provided: ${maskKey(key)}`, {}, 401);
  const permission = path === '/v1/account' ? 'rak_accounts_kyc_id_numbers_read' : 'rak_balance_read';
  if (permission === 'rak_accounts_kyc_id_numbers_read' || (!balanceRead && path.startsWith('/v1/balance'))) {
    throw invalid(
      `The provided key '${maskKey(key)}' does not have the required permissions for this endpoint on account '${keys.accountId}'. Having the '${permission}' permission would allow this request to continue.`,
      {},
      403,
    );
  }
  return key;
}

function parseInteger(name: string, value: string): number {
  if (!/^-?\d{1,15}$/.test(value)) {
    throw invalid(`Invalid integer: ${value}`, { param: name, code: 'parameter_invalid_integer' });
  }
  return Number(value);
}

export function parseListQuery(data: Dataset, list: ListName, params: URLSearchParams): ListQuery {
  let limit = 10;
  let gte: number | undefined;
  let lte: number | undefined;
  let startingAfter: number | undefined;
  let endingBefore: number | undefined;
  const lower = (v: number) => {
    gte = gte === undefined ? v : Math.max(gte, v);
  };
  const upper = (v: number) => {
    lte = lte === undefined ? v : Math.min(lte, v);
  };
  const cursor = (name: string, id: string) => {
    const index = data.indexOf(list, id);
    if (index === undefined) {
      throw invalid(`No such ${OBJECT_NAME[list]}: '${id.slice(0, 60)}'`, {
        param: name,
        code: 'resource_missing',
      });
    }
    return index;
  };
  for (const [name, value] of params) {
    if (name === 'limit') {
      limit = parseInteger(name, value);
      if (limit < 1 || limit > 100) {
        throw invalid('This value must be greater than or equal to 1 and less than or equal to 100.', {
          param: name,
          code: 'parameter_invalid_integer',
        });
      }
    } else if (name === 'created') {
      lower(parseInteger(name, value));
      upper(parseInteger(name, value));
    } else if (name === 'created[gte]') lower(parseInteger(name, value));
    else if (name === 'created[gt]') lower(parseInteger(name, value) + 1);
    else if (name === 'created[lte]') upper(parseInteger(name, value));
    else if (name === 'created[lt]') upper(parseInteger(name, value) - 1);
    else if (name === 'starting_after') startingAfter = cursor(name, value);
    else if (name === 'ending_before') endingBefore = cursor(name, value);
    else if (/^expand\[\d*\]$/.test(name)) continue;
    else if (UNSUPPORTED.has(name)) {
      throw invalid(`The emulator does not support the parameter: ${name}`, { param: name });
    } else throw invalid(`Received unknown parameter: ${name}`, { param: name, code: 'parameter_unknown' });
  }
  if (startingAfter !== undefined && endingBefore !== undefined) {
    throw invalid('You may only specify one of these parameters: ending_before, starting_after.');
  }
  return { limit, gte, lte, startingAfter, endingBefore };
}
