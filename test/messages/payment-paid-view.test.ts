/** The paid reply says what arrived and Stripe's fee and net, each in its own currency, never mixed. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { paymentPaidReply } from '../../src/messages/payment-request.ts';
import type { PaymentRequest } from '../../src/store/ports/payment-requests.ts';

const request = (patch: Partial<PaymentRequest>): PaymentRequest =>
  ({
    id: 'pr_test',
    connection: 'stripe',
    amount: 125_000,
    currency: 'USD',
    state: 'paid',
    received: 125_000,
    fee: 3_655,
    net: 121_345,
    paidAt: '2026-12-06T10:00:00.000Z',
    ...patch,
  }) as PaymentRequest;

const shown = (r: PaymentRequest) => JSON.stringify(paymentPaidReply(r).blocks);

test('fee and net in the request currency when Stripe settled in it', () => {
  assert.match(shown(request({})), /Stripe fee 36\.55 USD · net 1,213\.45 USD/);
  assert.doesNotMatch(shown(request({})), /converted/);
});

test('a payment Stripe converted tells fee and net in the settlement currency, and says so', () => {
  const text = shown(request({ fee: 3_400, net: 110_600, settlementCurrency: 'EUR' }));
  assert.match(text, /received 1,250\.00 USD/);
  assert.match(text, /Stripe fee 34\.00 EUR · net 1,106\.00 EUR \(Stripe converted it: settled in EUR\)/);
});

test('before the balance transaction exists the reply says the fee is not reported yet', () => {
  assert.match(
    shown(request({ fee: null, net: null, settlementCurrency: null })),
    /not reported the fee yet/,
  );
});
