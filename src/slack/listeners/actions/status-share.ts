/** "Share in Channel" under a status reply: the current status, posted for everyone (share-in-channel.ts). */
import { statusMessage } from '../../../messages/status.ts';
import type { SlackDeps } from '../../slack-deps.ts';
import { shareInChannel } from './share-in-channel.ts';

export function statusShare(deps: SlackDeps) {
  return shareInChannel(deps, 'status', async () =>
    statusMessage(await deps.finsync.status(), { shareable: false }),
  );
}
