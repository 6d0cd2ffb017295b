/**
 * The Stripe connector: credentials, verification and its streams: `events` (changes to stored objects,
 * events-stream.ts) first, then the six creation-time list streams (streams.ts).
 * `createStripeConnector` takes a clock and timeouts so tests can pin time; the registry uses the default.
 */

import { AuthError, UserInputError } from '../../src/errors.ts';
import { integerMinor, normalizeCurrency } from '../../src/money.ts';
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
import { StripeApi } from './client.ts';
import { stripeAmountToMinor } from './currency-scale.ts';
import { stripeEventsStream } from './events-stream.ts';
import type { StripeContext, StripeSettings } from './settings.ts';
import { type StripeStreamOptions, stripeStreams } from './streams.ts';

export interface StripeConnectorOptions {
  /** Clock in ms; fixes each run's window end. */
  readonly now?: () => number;
  readonly timeoutMs?: number;
  readonly retry?: Partial<Omit<RetryOptions, 'sleep' | 'signal'>>;
  readonly overlapSeconds?: number;
  readonly pageLimit?: number;
}

const CREDENTIAL_FIELDS: readonly CredentialField[] = [
  {
    key: 'api_key',
    label: 'API key',
    secret: true,
    placeholder: 'rk_live_…',
    hint: 'A restricted key (rk_…) with read access to Balance, Charges, Refunds, Payouts, Customers, Disputes and Events is enough; a secret key (sk_…) works too.',
  },
  {
    key: 'webhook_secret',
    label: 'Webhook signing secret',
    secret: true,
    optional: true,
    placeholder: 'whsec_…',
    hint: 'From the webhook endpoint in the Stripe Dashboard; lets finsync sync as soon as Stripe reports a change.',
  },
  {
    key: 'backfill_from',
    label: 'Backfill from',
    secret: false,
    optional: true,
    placeholder: 'YYYY-MM-DD',
    hint: 'The first sync reads objects created on or after this date (UTC). Empty: all history.',
  },
];

/**
 * Stripe publishes no key format beyond its prefixes (keys have grown longer and changed alphabet before):
 * any secret (sk_) or restricted (rk_) key of visible characters goes to Stripe, whose answer decides.
 */
const KEY_SHAPE = /^(sk|rk)_[\x21-\x7e]+$/;

/** Checks an API key's prefix without ever echoing it. */
function checkApiKey(value: string | undefined): string {
  const key = value?.trim() ?? '';
  const field = { field: 'api_key' };
  if (key === '') throw new UserInputError('Enter a Stripe API key (sk_… or rk_…).', field);
  if (key.startsWith('pk_')) {
    throw new UserInputError(
      'That is a publishable key (pk_…); finsync needs a secret (sk_…) or restricted (rk_…) key.',
      field,
    );
  }
  if (!KEY_SHAPE.test(key)) {
    throw new UserInputError(
      'That does not look like a Stripe secret (sk_…) or restricted (rk_…) API key: it starts with sk_ or rk_ and has no spaces.',
      field,
    );
  }
  return key;
}

/** `YYYY-MM-DD` (or a full ISO timestamp) → epoch seconds, UTC. */
export function parseBackfillFrom(value: string | undefined): number | undefined {
  const text = value?.trim() ?? '';
  if (text === '') return undefined;
  const iso = /^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T00:00:00Z` : text;
  const ms = /^\d{4}-\d{2}-\d{2}T/.test(iso) ? Date.parse(iso) : Number.NaN;
  if (Number.isNaN(ms)) {
    throw new UserInputError(`Backfill from "${text.slice(0, 40)}" is not a date like 2024-01-31.`, {
      field: 'backfill_from',
    });
  }
  return Math.floor(ms / 1000);
}

export function createStripeConnector(options: StripeConnectorOptions = {}): Connector<StripeSettings> {
  const now = options.now ?? Date.now;
  const apiOptions = {
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    ...(options.retry === undefined ? {} : { retry: options.retry }),
  };

  return {
    id: 'stripe',
    displayName: 'Stripe',
    description:
      'Charges, refunds, payouts, disputes, fees and customers, with the balance transactions as the money ledger; status changes follow Stripe events',
    credentialFields: CREDENTIAL_FIELDS,
    connect: FORM_CONNECT,

    async verify(input: Credentials, ctx: StripeContext): Promise<VerifyResult> {
      const apiKey = checkApiKey(input.api_key);
      const webhookSecret = input.webhook_secret?.trim() ?? '';
      if (webhookSecret !== '' && !webhookSecret.startsWith('whsec_')) {
        throw new UserInputError('The webhook signing secret starts with whsec_.', {
          field: 'webhook_secret',
        });
      }
      const backfillFrom = parseBackfillFrom(input.backfill_from);
      if (backfillFrom !== undefined && backfillFrom * 1000 > now()) {
        throw new UserInputError('Backfill from is in the future.', { field: 'backfill_from' });
      }
      // A person is waiting on this answer: retry less than a background sync would.
      const api = new StripeApi(apiKey, ctx, { ...apiOptions, retry: { attempts: 2, ...options.retry } });
      // The cheapest read that proves the key and the balance permission the money stream needs.
      const { livemode } = await api.retrieveBalance();
      const account = await api.retrieveAccount();
      const mode = livemode ? 'live mode' : 'test mode';
      const accountLabel = account
        ? `${account.name ?? 'Stripe account'} (${account.id}, ${mode})`
        : `Stripe account (${mode})`;
      const credentials: Record<string, string> = { api_key: apiKey };
      if (webhookSecret !== '') credentials.webhook_secret = webhookSecret;
      if (backfillFrom !== undefined) credentials.backfill_from = (input.backfill_from ?? '').trim();
      return { credentials, accountLabel, ...(account ? { accountId: account.id } : {}) };
    },

    /** `GET /v1/balance`: available and pending per currency, Stripe's scale mapped to ISO minor units. */
    async balances(credentials: Credentials, ctx: StripeContext): Promise<readonly AccountBalance[]> {
      const apiKey = credentials.api_key;
      if (!apiKey) throw new AuthError('No Stripe API key is stored for this connection; reconnect it.');
      // Someone is waiting: one attempt; the caller bounds the wait.
      const api = new StripeApi(apiKey, ctx, { ...apiOptions, retry: { attempts: 1 } });
      const asOf = new Date(now()).toISOString();
      return (await api.balanceAmounts()).map((b) => {
        const currency = normalizeCurrency(b.currency);
        return {
          account: 'Stripe balance',
          currency,
          kind: b.kind,
          amount: stripeAmountToMinor(integerMinor(b.amount, 'balance amount'), currency),
          asOf,
        };
      });
    },

    streams(credentials: Credentials): readonly Stream[] {
      const apiKey = credentials.api_key;
      if (!apiKey) throw new AuthError('No Stripe API key is stored for this connection; reconnect it.');
      const streamOptions: StripeStreamOptions = {
        api: (ctx) => new StripeApi(apiKey, ctx, apiOptions),
        backfillFrom: parseBackfillFrom(credentials.backfill_from),
        now,
        ...(options.overlapSeconds === undefined ? {} : { overlapSeconds: options.overlapSeconds }),
        ...(options.pageLimit === undefined ? {} : { pageLimit: options.pageLimit }),
      };
      // Events first: on a first sync the listings then read objects at least as new as where it starts.
      return [stripeEventsStream(streamOptions), ...stripeStreams(streamOptions)];
    },
  };
}

export const stripeConnector: Connector<StripeSettings> = createStripeConnector();
