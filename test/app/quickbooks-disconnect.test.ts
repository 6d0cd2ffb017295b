import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  QuickBooksInvalidGrantError,
  quickbooksSettings,
  refreshGrant,
} from '../../connectors/quickbooks/oauth.ts';
import { sendSlashCommand } from '../../src/sandbox/slack-requests.ts';
import { ADMIN, connectQuickBooks, type Harness, startHarness } from '../helpers/app-harness.ts';
import { storedRefreshToken, submitDisconnect } from '../helpers/disconnect.ts';

let h: Harness;

/** Intuit's answer to a refresh with `token`: true when it still works. */
async function refreshWorks(token: string): Promise<boolean> {
  const settings = quickbooksSettings(h.app.config.providers.quickbooks);
  try {
    await refreshGrant(settings, token);
    return true;
  } catch (error) {
    if (error instanceof QuickBooksInvalidGrantError) return false;
    throw error;
  }
}

describe('disconnecting QuickBooks revokes its grant at Intuit', () => {
  before(async () => {
    h = await startHarness({ emulators: { stripe: { count: 10 } } });
  });
  after(async () => {
    await h.close();
  });

  test('the confirmation says so; afterwards the refresh token is dead at Intuit, and the answer and audit say so', async () => {
    await connectQuickBooks(h, h.quickbooks.control.realmIds[0]!, 'books');
    const token = await storedRefreshToken(h, 'books');

    await sendSlashCommand(h.target, { text: 'disconnect books', userId: ADMIN });
    const modal = await h.slack.waitForCall('views.open', (c) =>
      JSON.stringify(c.args['view']).includes('disconnect_submit'),
    );
    assert.match(JSON.stringify(modal.args['view']), /access is revoked at Intuit/);

    const answer = await submitDisconnect(h, 'books');
    assert.match(answer, /Disconnected \*books\*; finsync's access was revoked at Intuit/);
    assert.equal(await h.app.store.getConnection('books'), undefined);
    assert.equal(await refreshWorks(token), false, 'the refresh token the connection held is dead at Intuit');
    const [entry] = await h.app.store.listAudit(1);
    assert.equal(entry?.action, 'disconnect');
    assert.equal(entry?.outcome, 'ok');
    assert.equal(entry?.detail, 'access revoked at Intuit');
  });

  test('a revoke Intuit fails still disconnects, and says the access could not be revoked and why', async () => {
    await connectQuickBooks(h, h.quickbooks.control.realmIds[0]!, 'books-2');
    const token = await storedRefreshToken(h, 'books-2');
    h.quickbooks.control.failNext(1, '500', '/oauth2/v1/tokens/revoke');
    const answer = await submitDisconnect(h, 'books-2');
    assert.match(answer, /could not be revoked at Intuit \(Intuit's token endpoint failed/);
    assert.match(answer, /remove finsync's access there by hand/);
    assert.ok(!answer.includes(token), 'no token in the answer');
    assert.equal(await h.app.store.getConnection('books-2'), undefined, 'disconnected all the same');
    const [entry] = await h.app.store.listAudit(1);
    assert.equal(entry?.outcome, 'ok');
    assert.match(entry?.detail ?? '', /^access not revoked at Intuit: /);
    assert.ok(!(entry?.detail ?? '').includes(token));
    assert.equal(await refreshWorks(token), true, 'the answer told the truth: the grant is still live');
  });
});
