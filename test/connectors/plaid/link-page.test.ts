import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PLAID_LINK_SCRIPT_URL, renderPlaidLinkPage } from '../../../connectors/plaid/link-page.ts';

/** The JSON island the page's script reads its values from. */
function configOf(html: string): Record<string, unknown> {
  const match = /<script type="application\/json" id="finsync-plaid-config">([^<]*)<\/script>/.exec(html);
  assert.ok(match, 'config island present');
  return JSON.parse(match[1]!) as Record<string, unknown>;
}

describe('Plaid Link page', () => {
  const page = renderPlaidLinkPage({
    linkToken: 'link-sandbox-123',
    postUrl: 'https://finsync.example/plaid/link',
    state: 'st_abc',
  });

  test("loads Plaid Link from Plaid's CDN and opens it with the link token", () => {
    assert.equal(PLAID_LINK_SCRIPT_URL, 'https://cdn.plaid.com/link/v2/stable/link-initialize.js');
    assert.ok(page.includes(`<script src="${PLAID_LINK_SCRIPT_URL}"></script>`));
    assert.match(page, /Plaid\.create\(\{ token: config\.linkToken/);
    assert.deepEqual(configOf(page), {
      linkToken: 'link-sandbox-123',
      postUrl: 'https://finsync.example/plaid/link',
      state: 'st_abc',
    });
  });

  test('posts { public_token, state } as JSON and says in words whether it worked', () => {
    assert.match(page, /method: 'POST'/);
    assert.match(page, /'Content-Type': 'application\/json'/);
    assert.match(page, /JSON\.stringify\(\{ public_token: publicToken, state: config\.state \}\)/);
    assert.match(page, /Connected\. You can close this window/);
    assert.match(page, /could not save the connection/);
    assert.match(page, /could not be loaded/);
  });

  test('hostile values cannot break out of the JSON island or the markup', () => {
    const hostile = '</script><script>alert(1)</script><!-- "\' & \u2028';
    const html = renderPlaidLinkPage({
      linkToken: hostile,
      postUrl: hostile,
      state: hostile,
      title: '<b>x</b> & "y"',
    });
    assert.equal(html.split('</script>').length, page.split('</script>').length);
    assert.ok(!html.includes('<script>alert(1)'));
    assert.ok(!html.includes('<!-- "'));
    assert.ok(html.includes('<title>&lt;b&gt;x&lt;/b&gt; &amp; &quot;y&quot;</title>'));
    assert.deepEqual(configOf(html), { linkToken: hostile, postUrl: hostile, state: hostile });
  });

  test('messages are set with textContent, never innerHTML', () => {
    assert.ok(!page.includes('innerHTML'));
    assert.match(page, /textContent = text/);
  });
});
