import assert from 'node:assert/strict';
import { createHash, createHmac, generateKeyPairSync, sign } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { JWKPublicKey } from 'plaid';
import { createWebhookSigner } from '../../connectors/plaid/emulator-webhook.ts';
import { ADMIN, type Harness } from '../helpers/app-harness.ts';
import {
  assertNotLogged,
  pendingWebhookJobs,
  postWebhook,
  recordIds,
  runsOf,
  settle,
  startWebhookHarness,
  webhookWarnings,
} from './helpers.ts';
import { type PlaidKeyProxy, startPlaidKeyProxy } from './plaid-key-proxy.ts';

let h: Harness;
let proxy: PlaidKeyProxy;
let itemId: string;

function syncUpdates(item = itemId, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    environment: 'sandbox',
    webhook_type: 'TRANSACTIONS',
    webhook_code: 'SYNC_UPDATES_AVAILABLE',
    item_id: item,
    initial_update_complete: true,
    historical_update_complete: true,
    ...extra,
  });
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const nowSeconds = () => Math.floor(Date.now() / 1000);
const bodyHash = (body: string) => createHash('sha256').update(body).digest('hex');

/** A JWT with any header, signed by `signer` over `header.claims` (for forgeries). */
function jwt(header: object, claims: object, signer: (input: Buffer) => Buffer): string {
  const input = `${b64(header)}.${b64(claims)}`;
  return `${input}.${signer(Buffer.from(input)).toString('base64url')}`;
}

const verification = (token: string) => ({ 'plaid-verification': token });

describe('POST /webhooks/plaid', () => {
  before(async () => {
    proxy = await startPlaidKeyProxy();
    h = await startWebhookHarness({ env: { PLAID_BASE_URL: proxy.url } });
    proxy.upstream = h.plaid.url;
    const item = h.plaid.control.createItem();
    itemId = item.itemId;
    await h.app.finsync.connect({
      provider: 'plaid',
      name: 'plaid',
      input: { access_token: item.accessToken },
      actor: ADMIN,
      // Already-exchanged credentials, verified whole (as a re-check is).
      fromOAuth: true,
    });
    await h.app.core.engine.run({ connection: 'plaid', trigger: 'manual', triggeredBy: ADMIN });
  });
  after(async () => {
    await h.close();
    await proxy.close();
  });

  test('SYNC_UPDATES_AVAILABLE, verified, queues a debounced transactions-only sync that brings in the new transactions', async () => {
    const added = h.plaid.control.addTransactions(2);
    const body = syncUpdates();
    const answer = await postWebhook(h, 'plaid', body, verification(h.plaid.control.signWebhook(body)));
    assert.deepEqual([answer.status, answer.body], [200, { ok: true }]);
    assert.deepEqual(await pendingWebhookJobs(h, 'plaid'), [
      {
        connection: 'plaid',
        trigger: 'webhook',
        triggeredBy: null,
        notify: { kind: 'none' },
        streams: ['transactions'],
      },
    ]);
    await settle(h, 'plaid');
    const [run] = await runsOf(h, 'plaid', 'webhook');
    assert.equal(run?.status, 'success');
    assert.deepEqual(Object.keys(run?.streams ?? {}), ['transactions'], 'only the transactions stream');
    const stored = [...(await recordIds(h, 'plaid'))];
    for (const t of added)
      assert.ok(
        stored.some((id) => id.endsWith(`:${t.transaction_id}`)),
        t.transaction_id,
      );
    assert.deepEqual(proxy.fetches, [h.plaid.control.webhookKeyId], 'the key was fetched once');
  });

  test('forged tokens (alg none, HS256, another key, altered body or signature) and missing headers are refused and queue nothing', async () => {
    const from = h.logLines.length;
    const kid = h.plaid.control.webhookKeyId;
    const body = syncUpdates();
    const claims = { iat: nowSeconds(), request_body_sha256: bodyHash(body) };
    const genuine = h.plaid.control.signWebhook(body);
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const cases: [string, string, Record<string, string>, string][] = [
      [
        'alg none',
        body,
        verification(jwt({ alg: 'none', kid: 'kid-none' }, claims, () => Buffer.alloc(0))),
        'bad_algorithm',
      ],
      [
        'HS256 keyed with public data',
        body,
        verification(
          jwt({ alg: 'HS256', kid: 'kid-hs' }, claims, (i) => createHmac('sha256', kid).update(i).digest()),
        ),
        'bad_algorithm',
      ],
      [
        'another key under the real kid',
        body,
        verification(
          jwt({ alg: 'ES256', kid, typ: 'JWT' }, claims, (i) =>
            sign('sha256', i, { key: privateKey, dsaEncoding: 'ieee-p1363' }),
          ),
        ),
        'forged',
      ],
      [
        'body altered after signing',
        body.replace('"initial_update_complete":true', '"x":1'),
        verification(genuine),
        'forged',
      ],
      ['signature altered', body, verification(`${genuine.slice(0, -6)}AAAAAA`), 'forged'],
      ['not a JWT', body, verification('BODY-MARKER.not.a-jwt!'), 'forged'],
      ['no header', body, {}, 'missing_signature'],
    ];
    for (const [name, sent, headers, reason] of cases) {
      const answer = await postWebhook(h, 'plaid', sent, headers);
      assert.deepEqual([answer.status, answer.body['error']], [401, reason], name);
    }
    assert.deepEqual(await pendingWebhookJobs(h, 'plaid'), []);
    assert.deepEqual(
      webhookWarnings(h, from).map((w) => w['reason']),
      cases.map((c) => c[3]),
    );
    assert.ok(
      !proxy.fetches.includes('kid-none') && !proxy.fetches.includes('kid-hs'),
      'no key fetched for them',
    );
    assertNotLogged(h, from, [genuine.slice(-40), 'BODY-MARKER']);
  });

  test('an iat older than 5 minutes is refused as stale', async () => {
    const from = h.logLines.length;
    const body = syncUpdates();
    const stale = h.plaid.control.signWebhook(body, { iat: nowSeconds() - 301 });
    const answer = await postWebhook(h, 'plaid', body, verification(stale));
    assert.deepEqual([answer.status, answer.body['error']], [401, 'stale']);
    const fresh = await postWebhook(
      h,
      'plaid',
      body,
      verification(h.plaid.control.signWebhook(body, { iat: nowSeconds() - 240 })),
    );
    assert.equal(fresh.status, 200, 'four minutes old is still fresh');
    assert.deepEqual(
      webhookWarnings(h, from).map((w) => w['reason']),
      ['stale'],
    );
    await settle(h, 'plaid');
  });

  test('a replayed delivery (the same token) is answered 200 and queues nothing; a new signed delivery of the same body syncs', async () => {
    const body = syncUpdates();
    const token = h.plaid.control.signWebhook(body);
    assert.equal((await postWebhook(h, 'plaid', body, verification(token))).status, 200);
    await settle(h, 'plaid');
    const from = h.logLines.length;
    const replay = await postWebhook(h, 'plaid', body, verification(token));
    assert.deepEqual([replay.status, replay.body], [200, { ok: true, duplicate: true }]);
    assert.deepEqual(await pendingWebhookJobs(h, 'plaid'), []);
    assert.deepEqual(
      webhookWarnings(h, from).map((w) => [w['reason'], w['itemId']]),
      [['replayed', itemId]],
    );
    // Plaid sends this exact body for every update of the item: a new token is a new notification.
    const again = await postWebhook(h, 'plaid', body, verification(h.plaid.control.signWebhook(body)));
    assert.deepEqual(again.body, { ok: true });
    assert.equal((await pendingWebhookJobs(h, 'plaid')).length, 1);
    await settle(h, 'plaid');
  });

  test('an unknown item is refused; webhooks that need no sync are acknowledged and ignored', async () => {
    const unknown = syncUpdates('item-not-ours-000');
    const refused = await postWebhook(
      h,
      'plaid',
      unknown,
      verification(h.plaid.control.signWebhook(unknown)),
    );
    assert.deepEqual([refused.status, refused.body['error']], [400, 'unknown_account']);
    const other = JSON.stringify({
      webhook_type: 'ITEM',
      webhook_code: 'WEBHOOK_UPDATE_ACKNOWLEDGED',
      item_id: itemId,
    });
    const ignored = await postWebhook(h, 'plaid', other, verification(h.plaid.control.signWebhook(other)));
    assert.deepEqual([ignored.status, ignored.body], [200, { ok: true, ignored: true }]);
    assert.deepEqual(await pendingWebhookJobs(h, 'plaid'), []);
    const big = await postWebhook(h, 'plaid', Buffer.alloc(1024 * 1024 + 1, 0x20), verification('x.y.z'));
    assert.deepEqual([big.status, big.body['error']], [413, 'too_large']);
  });

  test('key rotation: an unknown kid is fetched once, the retired key (expired_at) verifies nothing, and unknown kids are not refetched', async () => {
    const oldKid = h.plaid.control.webhookKeyId;
    const answer = await fetch(`${h.plaid.url}/webhook_verification_key/get`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ client_id: h.plaid.clientId, secret: h.plaid.secret, key_id: oldKid }),
    });
    const oldJwk = ((await answer.json()) as { key: JWKPublicKey }).key;
    const next = createWebhookSigner();
    proxy.keys.set(next.kid, next.jwk);
    proxy.keys.set(oldKid, { ...oldJwk, expired_at: nowSeconds() - 1 });
    proxy.fetches.length = 0;

    const body = syncUpdates();
    const rotated = await postWebhook(h, 'plaid', body, verification(next.sign(body)));
    assert.deepEqual(
      [rotated.status, rotated.body],
      [200, { ok: true }],
      'the new key is fetched and verifies',
    );
    assert.deepEqual(
      [...proxy.fetches].sort(),
      [next.kid, oldKid].sort(),
      'the new kid, and the cached key refreshed',
    );

    const retired = await postWebhook(h, 'plaid', body, verification(h.plaid.control.signWebhook(body)));
    assert.deepEqual([retired.status, retired.body['error']], [401, 'expired_key']);
    assert.equal((await postWebhook(h, 'plaid', body, verification(next.sign(body)))).status, 200);
    assert.equal(proxy.fetches.length, 2, 'known keys are not fetched again');

    const stranger = createWebhookSigner();
    for (let i = 0; i < 3; i++) {
      const refused = await postWebhook(h, 'plaid', body, verification(stranger.sign(body)));
      assert.deepEqual([refused.status, refused.body['error']], [401, 'unknown_key']);
    }
    assert.equal(
      proxy.fetches.filter((kid) => kid === stranger.kid).length,
      1,
      'an unknown kid is asked about once',
    );
    await settle(h, 'plaid');
  });
});
