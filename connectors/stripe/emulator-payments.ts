/**
 * The emulator's writes, as Stripe does them for Payment Links: create one with inline `price_data`,
 * read it, deactivate it (`active=false`), and pay it (a Checkout Session completes, with a PaymentIntent,
 * a Charge and a Balance Transaction carrying Stripe's fee). Every POST honours `Idempotency-Key` the way
 * Stripe does: the same key with the same parameters answers the first response again (`Idempotent-Replayed:
 * true`); the same key with other parameters is a 400 `idempotency_error`. Payments are announced as signed
 * webhook deliveries (`checkout.session.completed` / `checkout.session.async_payment_failed`) to the endpoint
 * the app registered, as Stripe sends them for Payment Links.
 */
import Stripe from 'stripe';
import { ApiError, invalid, maskKey } from './emulator-requests.ts';

export interface PaymentReply {
  readonly status: number;
  readonly body: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface WebhookTarget {
  readonly url: string;
  readonly secret: string;
}

export type PayOutcome = 'paid' | 'failed';

export interface Payment {
  readonly eventId: string;
  readonly sessionId: string;
  /** The HTTP status the app answered the delivery with (null: no endpoint registered). */
  readonly delivered: number | null;
  /** Stripe's amounts (its own scale) of the balance transaction, when paid. */
  readonly amount: number;
  readonly fee: number;
  readonly net: number;
}

/** Currencies Stripe does not process at all (sanctioned): creating a price in them is refused. */
const UNSUPPORTED_CURRENCIES = new Set(['irr', 'kpw', 'syp', 'cup']);
const ZERO_DECIMAL = new Set([
  'bif',
  'clp',
  'djf',
  'gnf',
  'jpy',
  'kmf',
  'krw',
  'mga',
  'pyg',
  'rwf',
  'vnd',
  'vuv',
  'xaf',
  'xof',
  'xpf',
]);
const WHOLE_HUNDREDS = new Set(['isk', 'ugx']);

type Json = Record<string, unknown>;

interface Link {
  readonly body: Json;
  completed: number;
}

/** Stripe's standard card fee, 2.9 % plus 30 of the currency's cents (none for zero-decimal ones), rounded up. */
export function emulatedFee(amount: number, currency: string): number {
  const step = WHOLE_HUNDREDS.has(currency)
    ? 100
    : currency.length === 3 && ['bhd', 'jod', 'kwd', 'omr', 'tnd'].includes(currency)
      ? 10
      : 1;
  const percent = Math.floor((amount * 29 + 999) / 1000);
  const fixed = ZERO_DECIMAL.has(currency) || WHOLE_HUNDREDS.has(currency) ? 0 : step === 10 ? 300 : 30;
  return Math.ceil((percent + fixed) / step) * step;
}

export class EmulatedPayments {
  private readonly links = new Map<string, Link>();
  private readonly sessions = new Map<string, Json>();
  private readonly intents = new Map<string, Json>();
  private readonly idempotent = new Map<string, { params: string; path: string; reply: PaymentReply }>();
  private counter = 0;
  webhook: WebhookTarget | undefined;

  constructor(
    private readonly now: () => number,
    private readonly isRestricted: (key: string) => boolean,
    private readonly accountId: string,
  ) {}

  private id(prefix: string): string {
    return `${prefix}_emu${(++this.counter).toString(36).padStart(8, '0')}`;
  }

  /** The writes and reads of this module, or undefined for a path it does not serve. */
  handle(
    method: string,
    path: string,
    key: string,
    form: URLSearchParams,
    idempotencyKey: string | undefined,
  ): PaymentReply | undefined {
    const served = /^\/v1\/(payment_links|payment_intents|checkout\/sessions)(\/|$)/.test(path);
    if (!served) return undefined;
    if (method === 'GET') return this.read(path, form);
    if (method !== 'POST') throw invalid(`Unrecognized request URL (${method}: ${path}).`, {}, 404);
    if (this.isRestricted(key)) {
      throw new ApiError(403, {
        type: 'invalid_request_error',
        message: `The provided key '${maskKey(key)}' does not have the required permissions for this endpoint on account '${this.accountId}'. Having the 'rak_payment_link_write' permission would allow this request to continue.`,
      });
    }
    // Stripe keeps a key's first answer (per account key) for 24 hours and compares the parameters.
    const params = [...form.entries()]
      .map(([k, v]) => `${k}=${v}`)
      .sort()
      .join('&');
    const slot = idempotencyKey ? `${key}\u0000${idempotencyKey}` : undefined;
    const seen = slot ? this.idempotent.get(slot) : undefined;
    if (seen) {
      if (seen.params !== params || seen.path !== path) {
        throw new ApiError(400, {
          type: 'idempotency_error',
          message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${idempotencyKey!.slice(0, 80)}' if you meant to execute a different request.`,
        });
      }
      return { ...seen.reply, headers: { ...seen.reply.headers, 'Idempotent-Replayed': 'true' } };
    }
    const reply = this.write(path, form);
    if (slot) this.idempotent.set(slot, { params, path, reply });
    return {
      ...reply,
      headers: { ...reply.headers, ...(idempotencyKey ? { 'Idempotency-Key': idempotencyKey } : {}) },
    };
  }

  private read(path: string, query: URLSearchParams): PaymentReply {
    const [, kind, id] =
      /^\/v1\/(payment_links|payment_intents|checkout\/sessions)(?:\/([^/]+))?$/.exec(path) ?? [];
    const table =
      kind === 'payment_links'
        ? new Map([...this.links].map(([k, v]) => [k, v.body]))
        : kind === 'payment_intents'
          ? this.intents
          : this.sessions;
    if (id === undefined) {
      const link = query.get('payment_link');
      const data = [...table.values()].filter((o) => !link || o['payment_link'] === link).reverse();
      return { status: 200, body: { object: 'list', data, has_more: false, url: path } };
    }
    const found = table.get(decodeURIComponent(id));
    if (!found)
      throw invalid(
        `No such ${kind?.replace(/s$/, '') ?? 'object'}: '${id.slice(0, 60)}'`,
        { param: 'id', code: 'resource_missing' },
        404,
      );
    const expandCharge = [...query].some(
      ([k, v]) => /^expand\[\d*\]$/.test(k) && v.startsWith('latest_charge'),
    );
    if (kind === 'payment_intents' && !expandCharge)
      return {
        status: 200,
        body: { ...found, latest_charge: (found['latest_charge'] as Json | null)?.['id'] ?? null },
      };
    return { status: 200, body: found };
  }

  private write(path: string, form: URLSearchParams): PaymentReply {
    if (path === '/v1/payment_links') return { status: 200, body: this.createLink(form) };
    const update = /^\/v1\/payment_links\/([^/]+)$/.exec(path);
    if (update) {
      const link = this.links.get(decodeURIComponent(update[1]!));
      if (!link)
        throw invalid(
          `No such payment_link: '${update[1]!.slice(0, 60)}'`,
          { param: 'id', code: 'resource_missing' },
          404,
        );
      for (const [name] of form)
        if (name !== 'active' && !name.startsWith('metadata['))
          throw invalid(`Received unknown parameter: ${name}`, { param: name, code: 'parameter_unknown' });
      const active = form.get('active');
      if (active !== null) link.body['active'] = active === 'true';
      return { status: 200, body: link.body };
    }
    throw invalid(`Unrecognized request URL (POST: ${path}).`, {}, 404);
  }

  private createLink(form: URLSearchParams): Json {
    const get = (name: string) => form.get(name);
    const currency = get('line_items[0][price_data][currency]')?.toLowerCase();
    const unit = get('line_items[0][price_data][unit_amount]');
    const name = get('line_items[0][price_data][product_data][name]');
    const price = get('line_items[0][price]');
    if (price)
      throw invalid(`No such price: '${price.slice(0, 60)}'`, {
        param: 'line_items[0][price]',
        code: 'resource_missing',
      });
    if (!currency || !unit || !name)
      throw invalid('Missing required param: line_items[0][price_data].', { param: 'line_items' });
    if (UNSUPPORTED_CURRENCIES.has(currency) || !/^[a-z]{3}$/.test(currency))
      throw invalid(
        `Invalid currency: ${currency.slice(0, 10)}. Stripe currently supports these currencies: usd, aed, afn, ...`,
        { param: 'line_items[0][price_data][currency]', code: 'parameter_invalid' },
      );
    if (!/^\d{1,8}$/.test(unit))
      throw invalid('Invalid integer: unit_amount', {
        param: 'line_items[0][price_data][unit_amount]',
        code: 'parameter_invalid_integer',
      });
    const amount = Number(unit);
    if (WHOLE_HUNDREDS.has(currency) && amount % 100 !== 0)
      throw invalid(`Amounts in ${currency.toUpperCase()} must be whole units (a multiple of 100).`, {
        param: 'line_items[0][price_data][unit_amount]',
        code: 'amount_too_small',
      });
    const metadata: Record<string, string> = {};
    for (const [k, v] of form) {
      const m = /^metadata\[([^\]]+)\]$/.exec(k);
      if (m) metadata[m[1]!] = v;
    }
    const intentMetadata: Record<string, string> = {};
    for (const [k, v] of form) {
      const m = /^payment_intent_data\[metadata\]\[([^\]]+)\]$/.exec(k);
      if (m) intentMetadata[m[1]!] = v;
    }
    const id = this.id('plink');
    const body: Json = {
      id,
      object: 'payment_link',
      active: true,
      url: `https://buy.stripe.com/test_${id.slice(6)}`,
      currency,
      livemode: false,
      metadata,
      // Kept as Stripe shows them on a Checkout Session's line items; here for the session to copy.
      line_items: {
        object: 'list',
        data: [{ amount_total: amount, currency, description: name, quantity: 1 }],
      },
      payment_intent_data: { metadata: intentMetadata, description: get('payment_intent_data[description]') },
      restrictions: {
        completed_sessions: {
          count: 0,
          limit: Number(get('restrictions[completed_sessions][limit]') ?? 0) || null,
        },
      },
    };
    this.links.set(id, { body, completed: 0 });
    return body;
  }

  /** The payment link with this id, as stored (tests). */
  link(id: string): Json | undefined {
    return this.links.get(id)?.body;
  }

  linkCount(): number {
    return this.links.size;
  }

  /**
   * A customer pays the link (or tries to): a completed (or failed) Checkout Session, and a signed webhook
   * delivery to the registered endpoint. `received` pays less than the link's amount (a partial capture).
   */
  async pay(linkId: string, options: { outcome?: PayOutcome; received?: number } = {}): Promise<Payment> {
    const link = this.links.get(linkId);
    if (!link) throw new Error(`the emulator has no payment link ${linkId}`);
    if (link.body['active'] !== true)
      throw new Error(`payment link ${linkId} is not active: its page says so and takes no payment`);
    const item = (link.body['line_items'] as { data: Json[] }).data[0]!;
    const amount = item['amount_total'] as number;
    const currency = item['currency'] as string;
    const created = Math.floor(this.now() / 1000);
    const outcome = options.outcome ?? 'paid';
    const received = options.received ?? amount;
    const fee = outcome === 'paid' ? emulatedFee(received, currency) : 0;
    const intentId = this.id('pi');
    const chargeId = this.id('ch');
    const intentMeta = (link.body['payment_intent_data'] as { metadata: Json }).metadata;
    const balanceTransaction =
      outcome === 'paid'
        ? {
            id: this.id('txn'),
            object: 'balance_transaction',
            amount: received,
            fee,
            net: received - fee,
            currency,
            created,
            type: 'charge',
            status: 'pending',
            fee_details: [
              { amount: fee, currency, type: 'stripe_fee', description: 'Stripe processing fees' },
            ],
          }
        : null;
    const charge = {
      id: chargeId,
      object: 'charge',
      amount,
      amount_captured: outcome === 'paid' ? received : 0,
      currency,
      created,
      paid: outcome === 'paid',
      status: outcome === 'paid' ? 'succeeded' : 'failed',
      payment_intent: intentId,
      metadata: intentMeta,
      balance_transaction: balanceTransaction,
    };
    this.intents.set(intentId, {
      id: intentId,
      object: 'payment_intent',
      amount,
      amount_received: outcome === 'paid' ? received : 0,
      currency,
      created,
      status: outcome === 'paid' ? 'succeeded' : 'requires_payment_method',
      metadata: intentMeta,
      latest_charge: charge,
    });
    const sessionId = this.id('cs_test');
    const session = {
      id: sessionId,
      object: 'checkout.session',
      payment_link: linkId,
      mode: 'payment',
      amount_total: amount,
      amount_subtotal: amount,
      currency,
      created,
      status: outcome === 'paid' ? 'complete' : 'complete',
      payment_status: outcome === 'paid' ? 'paid' : 'unpaid',
      payment_intent: intentId,
      metadata: {},
      livemode: false,
    };
    this.sessions.set(sessionId, session);
    if (outcome === 'paid') {
      link.completed += 1;
      const restrictions = link.body['restrictions'] as {
        completed_sessions: { count: number; limit: number | null };
      };
      restrictions.completed_sessions.count = link.completed;
      // A link limited to N completed sessions stops taking payments once they are reached, as Stripe does.
      if (
        restrictions.completed_sessions.limit !== null &&
        link.completed >= restrictions.completed_sessions.limit
      )
        link.body['active'] = false;
    }
    const type = outcome === 'paid' ? 'checkout.session.completed' : 'checkout.session.async_payment_failed';
    const event = {
      id: this.id('evt'),
      object: 'event',
      type,
      created,
      api_version: '2023-08-16',
      livemode: false,
      pending_webhooks: 1,
      request: { id: null, idempotency_key: null },
      data: { object: session },
    };
    const delivered = await this.deliver(event);
    return { eventId: event.id, sessionId, delivered, amount: received, fee, net: received - fee };
  }

  /** Sends an event to the registered endpoint, signed with its secret as Stripe signs deliveries. */
  async deliver(event: Json): Promise<number | null> {
    if (!this.webhook) return null;
    const payload = JSON.stringify(event);
    const signature = Stripe.webhooks.generateTestHeaderString({ payload, secret: this.webhook.secret });
    const response = await fetch(this.webhook.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'stripe-signature': signature },
      body: payload,
    });
    await response.arrayBuffer();
    return response.status;
  }
}
