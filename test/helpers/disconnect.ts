/** Disconnecting through the real app: the confirmation form's submit, and the token a revoke must kill. */
import assert from 'node:assert/strict';
import { sendViewSubmission, stateValue } from '../../src/sandbox/slack-requests.ts';
import { ADMIN, type Harness } from './app-harness.ts';
import { checkBlockKit } from './block-kit.ts';

/** The refresh token the connection holds now (the one a revoke must kill). */
export async function storedRefreshToken(h: Harness, name: string): Promise<string> {
  const connection = await h.app.store.getConnection(name);
  assert.ok(connection);
  return h.app.finsync.credentialsOf(connection)['refresh_token']!;
}

/** Submits the disconnect confirmation for `name` (records kept); returns the updated modal as JSON. */
export async function submitDisconnect(h: Harness, name: string): Promise<string> {
  const reply = await sendViewSubmission(h.target, {
    callbackId: 'disconnect_submit',
    userId: ADMIN,
    privateMetadata: JSON.stringify({ connection: name, channelId: null }),
    values: { delete_records: { value: stateValue.checkboxes([]) } },
  });
  const body = reply.body as { response_action: string; view: unknown };
  assert.equal(body.response_action, 'update');
  assert.deepEqual(checkBlockKit(body.view as never, 'modal'), []);
  return JSON.stringify(body.view);
}
