/**
 * A finsync process that asks for one payment and prints the request as JSON: the crash test runs it as a
 * real OS process, once killed (SIGKILL) right after Stripe answered and before finsync stored the link,
 * then again with the same origin.
 *
 * Usage: node --import tsx test/services/payment-request-child.ts <dataDir> <stripeUrl> <key> <crash|run> <origin>
 */
import { EMULATOR_SECRET_KEY } from '../../connectors/stripe/emulator.ts';
import { loadConfig } from '../../src/config.ts';
import { createCore } from '../../src/core.ts';
import { createLogger } from '../../src/log.ts';

const [dataDir, stripeUrl, key, mode, origin] = process.argv.slice(2);
const config = loadConfig(
  {
    FINSYNC_DATA_DIR: dataDir!,
    FINSYNC_ENCRYPTION_KEY: key!,
    STRIPE_API_BASE: stripeUrl!,
    FINSYNC_ADMINS: 'UADMIN0001',
    LOG_LEVEL: 'error',
  },
  { requireSlack: false },
);
const core = await createCore(config, {
  log: createLogger({ level: 'error', stream: process.stderr }),
  groupMembers: async () => [],
  // The crash point: Stripe has made the link, finsync has not written it down.
  ...(mode === 'crash' ? { afterStripeAnswer: () => void process.kill(process.pid, 'SIGKILL') } : {}),
});
try {
  if (!(await core.store.getConnection('stripe')))
    await core.finsync.connect({
      provider: 'stripe',
      name: 'stripe',
      input: { api_key: EMULATOR_SECRET_KEY },
      actor: 'UADMIN0001',
    });
  const request = await core.payments.request({
    actor: 'UADMIN0001',
    amountText: '1,250.00',
    currencyText: 'EUR',
    description: 'Invoice 42',
    via: null,
    channel: 'CFINANCE1',
    origin: origin!,
  });
  process.stdout.write(`${JSON.stringify(request)}\n`);
} finally {
  await core.close();
}
