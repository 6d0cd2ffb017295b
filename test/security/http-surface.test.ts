import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { sendSlashCommand } from '../../src/sandbox/slack-requests.ts';
import { ADMIN, type Harness, startHarness } from '../helpers/app-harness.ts';

let h: Harness;

before(async () => {
  h = await startHarness();
});
after(async () => {
  await h.close();
});

const logged = (level: string, pattern: RegExp) =>
  h.logLines
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((entry) => entry['level'] === level && pattern.test(JSON.stringify(entry)));

describe('/healthz answers anyone with the status only', () => {
  test('healthy: {"ok":true}, nothing about where the data lives', async () => {
    const response = await fetch(`${h.target.url}/healthz`);
    assert.equal(response.status, 200);
    const body = await response.text();
    assert.equal(body, '{"ok":true}');
    assert.ok(!body.includes(h.dataDir));
  });

  test('unhealthy: 503 {"ok":false}; the store error goes to the log at error level', async () => {
    const health = h.app.store.health;
    const secretDetail = `SQLITE_CANTOPEN: unable to open ${h.dataDir}/ledger.sqlite`;
    h.app.store.health = async () => ({ ok: false, kind: 'embedded', detail: secretDetail });
    try {
      const response = await fetch(`${h.target.url}/healthz`);
      assert.equal(response.status, 503);
      assert.equal(await response.text(), '{"ok":false}');
    } finally {
      h.app.store.health = health;
    }
    assert.equal(logged('error', /SQLITE_CANTOPEN/).length, 1, 'the detail is logged for the operator');
  });

  test('a store that throws answers 503 {"ok":false} instead of never answering', async () => {
    const health = h.app.store.health;
    h.app.store.health = async () => {
      throw new Error(`disk gone under ${h.dataDir}`);
    };
    try {
      const response = await fetch(`${h.target.url}/healthz`, { signal: AbortSignal.timeout(5_000) });
      assert.equal(response.status, 503);
      assert.equal(await response.text(), '{"ok":false}');
    } finally {
      h.app.store.health = health;
    }
    assert.equal(logged('error', /disk gone/).length, 1);
  });
});

/** The policy as directive → sources. */
function parseCsp(header: string | null): Map<string, string[]> {
  assert.ok(header, 'a Content-Security-Policy header');
  return new Map(
    header
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .filter((parts) => parts[0])
      .map(([name, ...sources]) => [name!, sources]),
  );
}

const sha256 = (text: string) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

/** What every page must carry, whatever it shows. */
function assertLockedDown(response: Response): Map<string, string[]> {
  const csp = parseCsp(response.headers.get('content-security-policy'));
  assert.deepEqual(csp.get('default-src'), ["'none'"]);
  assert.deepEqual(csp.get('frame-ancestors'), ["'none'"]);
  assert.deepEqual(csp.get('base-uri'), ["'none'"]);
  assert.equal(response.headers.get('x-frame-options'), 'DENY');
  assert.equal(response.headers.get('referrer-policy'), 'no-referrer');
  assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
  return csp;
}

/** Every inline <style> is allowed by its hash, and nothing but those hashes. */
function assertStylesHashed(html: string, csp: Map<string, string[]>): void {
  const styles = [...html.matchAll(/<style>([\s\S]*?)<\/style>/g)].map((m) => sha256(m[1]!));
  assert.ok(styles.length > 0);
  assert.deepEqual(csp.get('style-src'), styles);
  assert.ok(!/\sstyle=/.test(html), 'no style attributes (a hash policy would block them)');
}

describe('HTML pages carry a hash-based Content-Security-Policy and refuse framing', () => {
  test("the Plaid Link page: our inline script by hash, Plaid's script, iframe and API, nothing else", async () => {
    await sendSlashCommand(h.target, { text: 'connect plaid', userId: ADMIN });
    const opened = await h.slack.waitForCall('views.open', (c) =>
      /plaid\/link\?state=/.test(JSON.stringify(c.args)),
    );
    const url = /"url":"([^"]+\/plaid\/link\?state=[^"]+)"/.exec(JSON.stringify(opened.args['view']))?.[1];
    assert.ok(url);
    const response = await fetch(`${h.target.url}/plaid/link${new URL(url).search}`);
    assert.equal(response.status, 200);
    const html = await response.text();
    const csp = assertLockedDown(response);

    const scripts = [...html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
    const inline = scripts.filter(([, attrs]) => attrs!.trim() === '').map(([, , body]) => body!);
    assert.equal(inline.length, 1, 'one inline script');
    for (const [, attrs] of scripts.filter(([, a]) => a!.trim() !== ''))
      assert.match(
        attrs!,
        /^ (src="https:\/\/cdn\.plaid\.com\/link\/v2\/stable\/link-initialize\.js"|type="application\/json" id="finsync-plaid-config")$/,
      );
    assert.deepEqual(csp.get('script-src'), [
      sha256(inline[0]!),
      'https://cdn.plaid.com/link/v2/stable/link-initialize.js',
    ]);
    assertStylesHashed(html, csp);
    assert.deepEqual(csp.get('frame-src'), ['https://cdn.plaid.com/']);
    assert.deepEqual(csp.get('connect-src'), ["'self'", new URL(h.plaid.url).origin]);
  });

  test('result pages (OAuth callback, expired Link) run no script at all', async () => {
    for (const path of [
      '/oauth/quickbooks/callback?state=forged&code=x&realmId=1',
      '/plaid/link?state=forged',
    ]) {
      const response = await fetch(`${h.target.url}${path}`);
      assert.equal(response.status, 400);
      const html = await response.text();
      const csp = assertLockedDown(response);
      assert.equal(csp.get('script-src'), undefined, 'falls back to default-src none');
      assert.ok(!html.includes('<script'));
      assertStylesHashed(html, csp);
    }
  });
});
