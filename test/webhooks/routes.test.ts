import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { webhookProviders } from '../../src/webhooks/provider-webhooks.ts';
import { type Harness, startHarness } from '../helpers/app-harness.ts';

describe('webhook routes derived from the registry', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(async () => {
    await h.close();
  });

  test('each provider with a webhook is served at /webhooks/<id>: an unsigned delivery is refused, not lost', async () => {
    for (const provider of webhookProviders()) {
      const response = await fetch(`${h.target.url}/webhooks/${provider}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      assert.equal(response.status, 401, provider);
      assert.equal(((await response.json()) as { ok: boolean }).ok, false);
    }
  });

  test('a provider without a webhook has no route', async () => {
    const response = await fetch(`${h.target.url}/webhooks/powerbi`, { method: 'POST', body: '{}' });
    assert.equal(response.status, 404);
  });
});
