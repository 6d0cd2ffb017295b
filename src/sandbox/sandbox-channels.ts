/**
 * What the sandbox shows besides the person's own replies: messages finsync posts in channels (alerts,
 * their updates and thread replies, digests), rendered as text once the outbox has delivered them; and
 * the provider switches a demo needs (`revoke stripe` makes every Stripe call answer 401 until
 * `restore stripe`), so an alert can be seen being raised and resolved.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { EmulatedWorld } from './emulated-world.ts';
import { renderBlocks } from './render-blocks.ts';

/** The channel slash commands are typed in, with finsync in it. */
export const SANDBOX_CHANNEL = { id: 'C0FINANCE1', name: 'finance' } as const;
/** The person at the prompt: an admin, known to the workspace by name. */
export const SANDBOX_USER = 'USANDBOX01';
export const SANDBOX_USER_NAME = 'sandbox-user';

export class ChannelWatcher {
  private seen = 0;

  constructor(private readonly world: EmulatedWorld) {
    world.slack.setChannel(SANDBOX_CHANNEL.id, { name: SANDBOX_CHANNEL.name, isMember: true });
    world.slack.setUser(SANDBOX_USER, { name: SANDBOX_USER_NAME, tz: 'UTC', isAdmin: false });
  }

  /** Waits (up to `maxMs`) for the outbox to deliver everything, then renders what reached channels. */
  async activity(maxMs = 8_000): Promise<string[]> {
    const deadline = Date.now() + maxMs;
    for (;;) {
      await this.world.app.core.incidents.drain();
      const counts = await this.world.app.core.outbox.counts();
      if ((counts.pending === 0 && counts.sending === 0) || Date.now() > deadline) break;
      await sleep(100);
    }
    const calls = this.world.slack.calls.slice(this.seen);
    this.seen += calls.length;
    const out: string[] = [];
    for (const call of calls) {
      if (!call.ok || (call.method !== 'chat.postMessage' && call.method !== 'chat.update')) continue;
      const channel = String(call.args['channel'] ?? '');
      const channelName = this.world.slack.channelName(channel);
      const userName = this.world.slack.userName(channel);
      const where = channelName ? `#${channelName}` : userName ? `@${userName} (direct message)` : channel;
      const what =
        call.method === 'chat.update'
          ? 'message updated in place'
          : call.args['thread_ts']
            ? call.args['reply_broadcast']
              ? 'thread reply, also sent to the channel'
              : 'thread reply'
            : 'new message';
      const blocks = (call.args['blocks'] as unknown[] | undefined) ?? [];
      const names = {
        channel: (id: string) => this.world.slack.channelName(id),
        user: (id: string) => this.world.slack.userName(id),
      };
      out.push(
        `── ${where} · ${what} ──\n${renderBlocks(blocks, 100, { names }) || String(call.args['text'] ?? '')}`,
      );
    }
    return out;
  }

  /** `revoke <provider>` / `restore <provider>`; null when the line is not one of them. */
  providerSwitch(line: string): string | null {
    const match = /^(revoke|restore)\s+stripe$/.exec(line);
    if (!match) return null;
    const control = this.world.stripe.control;
    if (match[1] === 'revoke') {
      control.injectFault({ type: 'expired_key' }, 1_000_000);
      return 'Stripe now answers every call with 401 "Expired API Key" (as after rolling the key in the Dashboard).';
    }
    control.clearFaults();
    return 'Stripe accepts the key again.';
  }
}
