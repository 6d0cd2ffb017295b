/** Payment Links through the SDK against the emulator: Stripe's idempotency rules and refusals. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { StripeApi } from '../../../connectors/stripe/client.ts';
import {
  EMULATOR_RESTRICTED_KEY,
  EMULATOR_SECRET_KEY,
  type StripeEmulator,
  startStripeEmulator,
} from '../../../connectors/stripe/emulator.ts';
import {
  createPaymentLink,
  deactivatePaymentLink,
  settlementOf,
} from '../../../connectors/stripe/payment-links.ts';
import { AuthError, InvalidRequestError } from '../../../src/errors.ts';
import { testContext } from './helpers.ts';

let emu: StripeEmulator;
before(async () => {
  emu = await startStripeEmulator({ count: 5 });
});
after(() => emu.close());

const api = (key = EMULATOR_SECRET_KEY) => new StripeApi(key, testContext(emu.url).ctx);
const link = (idempotencyKey: string, stripeAmount = 125000) => ({
  requestId: 'pr_1',
  stripeAmount,
  currency: 'EUR',
  description: 'Invoice 42',
  idempotencyKey,
});

describe('payment links', () => {
  test('the same idempotency key with the same parameters answers the first link again', async () => {
    const before = emu.control.paymentLinkCount();
    const first = await createPaymentLink(api(), link('key-same'));
    const again = await createPaymentLink(api(), link('key-same'));
    assert.deepEqual(again, first);
    assert.equal(emu.control.paymentLinkCount(), before + 1);
  });

  test('the same key with other parameters is refused (idempotency_error), not retried', async () => {
    await createPaymentLink(api(), link('key-other'));
    emu.control.clearLog();
    await assert.rejects(createPaymentLink(api(), link('key-other', 99900)), (error: unknown) => {
      assert.ok(error instanceof InvalidRequestError);
      assert.match(error.message, /same parameters they were first used with/);
      return true;
    });
    assert.equal(emu.control.requestLog.filter((r) => r.method === 'POST').length, 1, 'one try');
  });

  test('a restricted key without the permission is refused in words, without the key', async () => {
    await assert.rejects(
      createPaymentLink(api(EMULATOR_RESTRICTED_KEY), link('key-ro')),
      (error: unknown) => {
        assert.ok(error instanceof AuthError);
        assert.match(error.message, /rak_payment_link_write/);
        assert.ok(!error.message.includes(EMULATOR_RESTRICTED_KEY));
        return true;
      },
    );
  });

  test('deactivation stops payments; a payment brings the amount, fee and net of its balance transaction', async () => {
    const paid = await createPaymentLink(api(), link('key-pay', 1999));
    const payment = await emu.control.payLink(paid.id);
    const intent = (emu.control.paymentLink(paid.id) as Record<string, unknown>)['id'];
    assert.equal(intent, paid.id);
    const session = await api().call((sdk) => sdk.checkout.sessions.retrieve(payment.sessionId));
    const settlement = await settlementOf(api(), String(session.payment_intent));
    assert.deepEqual(settlement, {
      currency: 'EUR',
      received: 1999,
      fee: payment.fee,
      net: 1999 - payment.fee,
      settlementCurrency: 'EUR',
    });
    const open = await createPaymentLink(api(), link('key-off', 500));
    assert.equal((await deactivatePaymentLink(api(), open.id, 'key-off-deactivate')).active, false);
    await assert.rejects(emu.control.payLink(open.id), /not active/);
  });
});
