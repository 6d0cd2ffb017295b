import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { allProviders, calendarDateProviders, integrationFor } from '../../connectors/registry.ts';
import { loadConfig } from '../../src/config.ts';
import { CALENDAR_DATE_PROVIDERS } from '../../src/digest/queries.ts';
import { webhookProviders } from '../../src/webhooks/provider-webhooks.ts';

const valid = {
  SLACK_BOT_TOKEN: 'xoxb-test-1',
  SLACK_SIGNING_SECRET: 'signing-secret-test',
  FINSYNC_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
};

describe('the provider registry', () => {
  test('each integration is found under its descriptor id, as a source or a destination', () => {
    const ids = allProviders().map((provider) => provider.id);
    assert.equal(new Set(ids).size, ids.length, 'provider ids are unique');
    for (const provider of allProviders()) {
      const integration = integrationFor(provider.id);
      assert.equal(integration?.id, provider.id);
      assert.equal(integration?.kind, provider.kind);
    }
  });

  test("each emulator starts from its descriptor, and its settings point the app's config at it", async () => {
    for (const provider of allProviders()) {
      const emulator = await provider.emulator.start();
      try {
        const env = provider.emulator.env(emulator);
        const declared = new Set(provider.settings.declared.map((setting) => setting.name));
        for (const name of Object.keys(env)) assert.ok(declared.has(name), `${provider.id} declares ${name}`);
        const config = loadConfig({ ...valid, ...env });
        const settings = JSON.stringify(config.providers[provider.id as 'stripe']);
        assert.ok(settings.includes(emulator.url), `${provider.id}'s settings name ${emulator.url}`);
      } finally {
        await emulator.close();
      }
    }
  });

  test("the digest's calendar-date providers are the sources whose descriptor says so", () => {
    assert.deepEqual([...CALENDAR_DATE_PROVIDERS], ['plaid', 'quickbooks', 'sage']);
    assert.deepEqual([...calendarDateProviders()], [...CALENDAR_DATE_PROVIDERS]);
  });

  test('webhook routes exist for the providers that declare a webhook, and only those', () => {
    assert.deepEqual(webhookProviders(), ['stripe', 'plaid', 'quickbooks', 'paypal']);
  });
});
