/**
 * The PayPal connector: a REST app's client id and secret typed into a form (live or sandbox, per
 * PAYPAL_API_BASE), verified by a token and one small transaction search; one stream, `transactions`
 * (streams.ts); live balances for `/finsync cash` from `GET /v1/reporting/balances`.
 * `createPayPalConnector` takes a clock and tuning so tests can pin time; the registry uses the default.
 */
import { AuthError, UserInputError } from '../../src/errors.ts';
import type { RetryOptions } from '../../src/retry.ts';
import { FORM_CONNECT } from '../connect-mode.ts';
import type {
  AccountBalance,
  Connector,
  CredentialField,
  Credentials,
  Stream,
  VerifyResult,
} from '../types.ts';
import { moneyToMinor } from './amounts.ts';
import { PayPalApi, type PayPalCredentials } from './client.ts';
import { paypalInstantMs } from './dates.ts';
import type { PayPalContext, PayPalSettings } from './settings.ts';
import { paypalTransactionsStream } from './streams.ts';
import { DAY_MS, HISTORY_MS } from './windows.ts';

export interface PayPalConnectorOptions {
  /** Clock in ms: token expiry, each run's end, the connect form's date checks. */
  readonly now?: () => number;
  readonly timeoutMs?: number;
  readonly retry?: Partial<Omit<RetryOptions, 'sleep' | 'signal' | 'onRetry'>>;
  readonly overlapMs?: number;
  readonly windowMs?: number;
  readonly pageSize?: number;
}

const CREDENTIAL_FIELDS: readonly CredentialField[] = [
  {
    key: 'client_id',
    label: 'Client ID',
    secret: false,
    placeholder: 'AYSq3RDGsmBLJE-otTkBtM-jBRd1TCQwFf9RGfwddNXWz0uFU9ztymylOhRS',
    hint: 'From developer.paypal.com → Apps & Credentials: a REST app of the business account (live, or sandbox when finsync points at the sandbox) with "Transaction search" enabled.',
  },
  {
    key: 'client_secret',
    label: 'Secret',
    secret: true,
    placeholder: 'EGnHDxD_qRPdaLdZz8iCr8N7_MzF-YHPTkjs6NKYQvQSBngp4PTTVWkPZRbL',
  },
  {
    key: 'webhook_id',
    label: 'Webhook ID',
    secret: false,
    optional: true,
    placeholder: '8PT597110X687430LKGECATA',
    hint: 'The ID of the app webhook pointing at finsync (/webhooks/paypal); lets finsync sync as soon as PayPal reports a payment.',
  },
  {
    key: 'history_from',
    label: 'History from',
    secret: false,
    optional: true,
    placeholder: 'YYYY-MM-DD',
    hint: 'The first sync reads transactions from this date (UTC). Empty: the last three years, all PayPal keeps.',
  },
];

/** `YYYY-MM-DD` → epoch ms (UTC), checked against PayPal's three years and today. */
export function parseHistoryFrom(value: string | undefined, now: number): number | undefined {
  const text = value?.trim() ?? '';
  if (text === '') return undefined;
  const ms = /^\d{4}-\d{2}-\d{2}$/.test(text) ? Date.parse(`${text}T00:00:00Z`) : Number.NaN;
  const field = { field: 'history_from' };
  if (Number.isNaN(ms))
    throw new UserInputError(`History from "${text.slice(0, 40)}" is not a date like 2024-01-31.`, field);
  if (ms > now) throw new UserInputError('History from is in the future.', field);
  if (ms < now - HISTORY_MS - DAY_MS) {
    throw new UserInputError(
      'PayPal keeps three years of transactions: choose a later History from date.',
      field,
    );
  }
  return ms;
}

/** `live`, `sandbox`, or the host when PAYPAL_API_BASE is neither of PayPal's (an emulator). */
function modeOf(apiBase: string): string {
  const host = new URL(apiBase).hostname;
  if (/sandbox/i.test(host)) return 'sandbox';
  return host === 'paypal.com' || host.endsWith('.paypal.com') ? 'live' : `at ${host}`;
}

function credentialsOf(input: Credentials): PayPalCredentials {
  const clientId = input.client_id?.trim() ?? '';
  const clientSecret = input.client_secret?.trim() ?? '';
  if (clientId === '') throw new UserInputError("Enter the REST app's client ID.", { field: 'client_id' });
  if (clientSecret === '')
    throw new UserInputError("Enter the REST app's secret.", { field: 'client_secret' });
  if (/\s/.test(clientId))
    throw new UserInputError('A PayPal client ID has no spaces.', { field: 'client_id' });
  return { clientId, clientSecret };
}

function storedCredentials(credentials: Credentials): PayPalCredentials {
  const clientId = credentials.client_id;
  const clientSecret = credentials.client_secret;
  if (!clientId || !clientSecret) {
    throw new AuthError('No PayPal client id and secret are stored for this connection; reconnect it.');
  }
  return { clientId, clientSecret };
}

export function createPayPalConnector(options: PayPalConnectorOptions = {}): Connector<PayPalSettings> {
  const now = options.now ?? Date.now;
  const apiOptions = {
    now,
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    ...(options.retry === undefined ? {} : { retry: options.retry }),
  };
  return {
    id: 'paypal',
    displayName: 'PayPal',
    description:
      "Payments, refunds, fees, transfers and withdrawals from PayPal Transaction Search (connects with a REST app's client id and secret)",
    credentialFields: CREDENTIAL_FIELDS,
    connect: FORM_CONNECT,

    async verify(input: Credentials, ctx: PayPalContext): Promise<VerifyResult> {
      const credentials = credentialsOf(input);
      const webhookId = input.webhook_id?.trim() ?? '';
      if (webhookId !== '' && !/^[A-Za-z0-9]{1,50}$/.test(webhookId)) {
        throw new UserInputError('A PayPal webhook ID is letters and digits only.', { field: 'webhook_id' });
      }
      parseHistoryFrom(input.history_from, now());
      // A person is waiting: retry less than a background sync would.
      const api = new PayPalApi(credentials, ctx, {
        ...apiOptions,
        retry: { attempts: 2, ...options.retry },
      });
      const token = await api.token();
      // The smallest search that proves the Transaction Search permission (403 NOT_AUTHORIZED without it).
      const end = Math.floor(now() / 1000) * 1000;
      const search = await api.search({
        startMs: end - DAY_MS,
        endMs: end,
        balanceAffectingOnly: true,
        page: 1,
        pageSize: 1,
      });
      const account = search.account_number;
      const accountId = account ?? token.appId;
      const mode = modeOf(ctx.settings.apiBase);
      const accountLabel = account
        ? `PayPal account ${account} (${mode}${token.appId ? `, app ${token.appId}` : ''})`
        : `PayPal app ${token.appId ?? credentials.clientId.slice(0, 8)} (${mode})`;
      const stored: Record<string, string> = {
        client_id: credentials.clientId,
        client_secret: credentials.clientSecret,
      };
      if (webhookId !== '') stored.webhook_id = webhookId;
      if ((input.history_from ?? '').trim() !== '') stored.history_from = (input.history_from ?? '').trim();
      return { credentials: stored, accountLabel, ...(accountId ? { accountId } : {}) };
    },

    /** Total, available and withheld per currency, as PayPal last refreshed them. */
    async balances(credentials: Credentials, ctx: PayPalContext): Promise<readonly AccountBalance[]> {
      // Someone is waiting: one attempt; the caller bounds the wait.
      const api = new PayPalApi(storedCredentials(credentials), ctx, {
        ...apiOptions,
        retry: { attempts: 1 },
      });
      const answer = await api.balances();
      const asOfMs = paypalInstantMs(answer.as_of_time) ?? paypalInstantMs(answer.last_refresh_time) ?? now();
      const asOf = new Date(asOfMs).toISOString();
      return answer.balances.flatMap((b) => {
        const kinds = [
          ['total', b.total_balance],
          ['available', b.available_balance],
          ['withheld', b.withheld_balance],
        ] as const;
        return kinds.flatMap(([kind, money]) => {
          if (!money) return [];
          const minor = moneyToMinor(money, `${kind}_balance`);
          return [{ account: 'PayPal balance', currency: minor.currency, kind, amount: minor.amount, asOf }];
        });
      });
    },

    streams(credentials: Credentials): readonly Stream[] {
      const stored = storedCredentials(credentials);
      const historyFrom = parseHistoryFrom(credentials.history_from, now());
      return [
        paypalTransactionsStream({
          api: (ctx) => new PayPalApi(stored, ctx, apiOptions),
          now,
          ...(historyFrom === undefined ? {} : { historyFrom }),
          ...(options.overlapMs === undefined ? {} : { overlapMs: options.overlapMs }),
          ...(options.windowMs === undefined ? {} : { windowMs: options.windowMs }),
          ...(options.pageSize === undefined ? {} : { pageSize: options.pageSize }),
        }) as Stream,
      ];
    },
  };
}

export const paypalConnector: Connector<PayPalSettings> = createPayPalConnector();
