import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { homeView } from '../../src/messages/home.ts';
import { statusMessage } from '../../src/messages/status.ts';
import { duration, historyMessage } from '../../src/messages/sync.ts';
import type { ConnectionStatus, StatusReport } from '../../src/services/status.ts';
import type { Connection, SyncRun } from '../../src/store/types.ts';
import { checkBlockKit } from '../helpers/block-kit.ts';

const NASTY = '<!channel> & <x|y> *bold* `code`';

function status(i: number, overrides: Partial<ConnectionStatus> = {}): ConnectionStatus {
  return {
    name: `conn-${i}`,
    provider: 'stripe',
    providerName: 'Stripe',
    accountLabel: `Account ${i}`,
    health: i % 7 === 0 ? 'failing' : 'healthy',
    stateText: i % 7 === 0 ? 'Failing: last sync failed (transient)' : 'Healthy',
    lastSuccessAt: '2026-01-01T00:00:00.000Z',
    lastRun: null,
    records: 1000 * i,
    schedule: 'daily 02:00',
    nextRunAt: new Date('2026-01-02T02:00:00Z'),
    ...overrides,
  };
}

function report(n: number, extra: ConnectionStatus[] = []): StatusReport {
  const connections = [...extra, ...Array.from({ length: n }, (_, i) => status(i + 1))];
  const needAttention = connections.filter((c) => c.health === 'failing').length;
  return {
    generatedAt: new Date('2026-01-01T12:00:00Z'),
    total: connections.length,
    healthy: connections.length - needAttention,
    needAttention,
    connections,
  };
}

describe('Block Kit views', () => {
  test('the Home tab with 200 connections stays within 100 blocks and lists every connection', () => {
    const view = homeView(report(200), { isAdmin: true, lastSuccessAt: '2026-01-01T00:00:00Z' });
    assert.ok(view.blocks.length <= 100, `${view.blocks.length} blocks`);
    assert.deepEqual(checkBlockKit(view, 'home'), []);
    const text = JSON.stringify(view);
    for (const i of [1, 100, 200]) assert.ok(text.includes(`conn-${i}*`), `conn-${i} shown`);
  });

  test('the Home tab has a first-run empty state with one Connect a System action', () => {
    const view = homeView(report(0), { isAdmin: true, lastSuccessAt: null });
    const buttons = JSON.stringify(view).match(/"type":"button"/g) ?? [];
    assert.equal(buttons.length, 1);
    assert.match(JSON.stringify(view), /Connect a System/);
    assert.doesNotMatch(
      JSON.stringify(homeView(report(0), { isAdmin: false, lastSuccessAt: null })),
      /home_connect/,
    );
  });

  test('status with 200 connections stays within 50 blocks, verdict first, worst first', () => {
    const message = statusMessage(report(200), { shareable: true });
    assert.ok(message.blocks.length <= 50);
    assert.deepEqual(checkBlockKit(message, 'message'), []);
    assert.match(message.text, /^finsync status: 172 of 200 healthy · 28 need attention$/);
  });

  test('provider and user strings are escaped and clipped', () => {
    const evil = status(1, { name: NASTY, stateText: `${NASTY} ${'x'.repeat(10_000)}`, accountLabel: NASTY });
    const message = statusMessage(report(0, [evil]), { shareable: true });
    assert.deepEqual(checkBlockKit(message, 'message'), []);
    const json = JSON.stringify(message.blocks);
    assert.ok(!json.includes('<!channel>') && !json.includes('<x|y>'));
    assert.ok(json.includes('&lt;!channel&gt; &amp; &lt;x|y&gt;'));
    // Names are limited to [a-z0-9_-] by the connect flow; labels and provider text are not.
    const view = homeView(report(0, [{ ...evil, name: 'evil' }]), { isAdmin: true, lastSuccessAt: null });
    assert.deepEqual(checkBlockKit(view, 'home'), []);
  });

  test('times are <!date> tokens with a UTC fallback', () => {
    const message = statusMessage(report(1), { shareable: false });
    assert.match(
      JSON.stringify(message.blocks),
      /<!date\^1767225600\^\{date_short_pretty\} \{time\}\|2026-01-01 00:00 UTC>/,
    );
  });

  test('history renders runs with counts, errors and durations within limits', () => {
    const connection = { name: 'stripe' } as Connection;
    const runs: SyncRun[] = Array.from({ length: 100 }, (_, i) => ({
      id: `r${i}`,
      connection: 'stripe',
      trigger: 'manual',
      triggeredBy: 'U1',
      startedAt: '2026-01-01T00:00:00Z',
      endedAt: '2026-01-01T00:01:30Z',
      status: i % 2 ? 'failed' : 'success',
      streams: { charges: { fetched: 10, inserted: 5, updated: 1, deleted: 0, skipped: 0 } },
      errorClass: i % 2 ? 'transient' : null,
      errorMessage: i % 2 ? `${NASTY} ${'e'.repeat(5000)}` : null,
      skipped: [],
    }));
    const message = historyMessage(connection, runs);
    assert.deepEqual(checkBlockKit(message, 'message'), []);
    assert.match(JSON.stringify(message.blocks), /10 fetched · 5 new · 1 updated/);
  });

  test('a run shorter than a second lasted "under 1 s", never "0 s"', () => {
    const at = (endedAt: string | null) => duration({ startedAt: '2026-01-01T00:00:00.000Z', endedAt });
    assert.equal(at('2026-01-01T00:00:00.000Z'), 'under 1 s');
    assert.equal(at('2026-01-01T00:00:00.999Z'), 'under 1 s');
    assert.equal(at('2026-01-01T00:00:01.000Z'), '1 s');
    assert.equal(at('2026-01-01T00:01:29.000Z'), '89 s');
    assert.equal(at('2026-01-01T00:05:00.000Z'), '5 min');
    assert.equal(at(null), 'still running');
  });
});
