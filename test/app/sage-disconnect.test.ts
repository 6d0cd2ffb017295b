/**
 * Disconnecting Sage revokes its grant at Sage (POST /revoke with the stored, latest refresh token), through the
 * real app over HTTP: the confirmation says so, the refresh token is dead afterwards, and a revoke Sage fails
 * still disconnects and says the access could not be revoked and why, with no token in the answer.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { refreshGrant, SageInvalidGrantError } from '../../connectors/sage/oauth.ts';
import { sendSlashCommand } from '../../src/sandbox/slack-requests.ts';
import { ADMIN, connectSage, type Harness, startHarness } from '../helpers/app-harness.ts';
import { storedRefreshToken, submitDisconnect } from '../helpers/disconnect.ts';

let h: Harness;

/** Sage's answer to a refresh with `token`: true when it still works (which uses it up: Sage rotates). */
async function refreshWorks(token: string): Promise<boolean> {
  try {
    await refreshGrant(h.app.config.providers.sage, token, { now: Date.now });
    return true;
  } catch (error) {
    if (error instanceof SageInvalidGrantError) return false;
    throw error;
  }
}

describe('disconnecting Sage revokes its grant at Sage', () => {
  before(async () => {
    h = await startHarness();
  });
  after(async () => {
    await h.close();
  });

  test('the confirmation says so; afterwards the refresh token is dead at Sage, and the answer and audit say so', async () => {
    await connectSage(h, 'books');
    // A sync first: with short-lived access tokens the stored refresh token may have rotated; the latest is revoked.
    const run = await h.app.finsync.runJob({
      connection: 'books',
      trigger: 'manual',
      triggeredBy: ADMIN,
      notify: { kind: 'none' },
    });
    assert.equal(run.status, 'success', run.errorMessage ?? '');
    const token = await storedRefreshToken(h, 'books');

    await sendSlashCommand(h.target, { text: 'disconnect books', userId: ADMIN });
    const modal = await h.slack.waitForCall('views.open', (c) =>
      JSON.stringify(c.args['view']).includes('disconnect_submit'),
    );
    assert.match(JSON.stringify(modal.args['view']), /access is revoked at Sage/);

    const before = h.sage.control.revocations;
    const answer = await submitDisconnect(h, 'books');
    assert.match(answer, /Disconnected \*books\*; finsync's access was revoked at Sage/);
    assert.equal(h.sage.control.revocations, before + 1);
    const revoke = h.sage.control.requests.findLast((r) => r.kind === 'revoke');
    assert.equal(revoke?.token, token, 'the latest refresh token of the rotation is the one revoked');
    assert.equal(await h.app.store.getConnection('books'), undefined);
    assert.equal(await refreshWorks(token), false, 'the refresh token the connection held is dead at Sage');
    const [entry] = await h.app.store.listAudit(1);
    assert.equal(entry?.action, 'disconnect');
    assert.equal(entry?.outcome, 'ok');
    assert.equal(entry?.detail, 'access revoked at Sage');
  });

  test('a revoke Sage fails still disconnects, and says the access could not be revoked and why', async () => {
    await connectSage(h, 'books-2');
    const token = await storedRefreshToken(h, 'books-2');
    h.sage.control.failNext({ status: 500, on: 'revoke' });
    const answer = await submitDisconnect(h, 'books-2');
    assert.match(answer, /could not be revoked at Sage \(Sage's revoke endpoint failed/);
    assert.match(answer, /remove finsync's access there by hand/);
    assert.ok(!answer.includes(token), 'no token in the answer');
    assert.equal(await h.app.store.getConnection('books-2'), undefined, 'disconnected all the same');
    const [entry] = await h.app.store.listAudit(1);
    assert.equal(entry?.outcome, 'ok');
    assert.match(entry?.detail ?? '', /^access not revoked at Sage: /);
    assert.ok(!(entry?.detail ?? '').includes(token));
    assert.equal(await refreshWorks(token), true, 'the answer told the truth: the grant is still live');
  });
});
