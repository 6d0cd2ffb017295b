/**
 * Before a channel is chosen for alerts, subscriptions or the digest: can finsync post there? Asked at the
 * moment the person types the command, so they learn at once how to invite the bot instead of alerts
 * failing later. A channel typed as `#name` (not escaped by Slack) is looked up among the channels the
 * bot can see.
 */
import type { webApi } from '@slack/bolt';
import type { ChannelRef } from '../commands/command-grammar.ts';

export type ChannelAccess =
  | { readonly ok: true; readonly id: string; readonly name: string | null }
  | { readonly ok: false; readonly reason: 'not_member' | 'not_found' | 'archived'; readonly label: string };

interface ChannelInfo {
  id?: string;
  name?: string;
  is_member?: boolean;
  is_archived?: boolean;
  is_im?: boolean;
}

const MAX_LIST_PAGES = 20;

export async function checkChannelAccess(client: webApi.WebClient, ref: ChannelRef): Promise<ChannelAccess> {
  const label = ref.name ? `#${ref.name}` : 'that channel';
  const id = ref.id ?? (await findByName(client, ref.name ?? ''));
  if (!id) return { ok: false, reason: 'not_found', label };
  let channel: ChannelInfo | undefined;
  try {
    channel = (await client.conversations.info({ channel: id })).channel as ChannelInfo | undefined;
  } catch (error) {
    const code = (error as { data?: { error?: string } }).data?.error;
    // A private channel the bot is not in looks like no channel at all.
    if (code === 'channel_not_found') return { ok: false, reason: 'not_found', label };
    throw error;
  }
  if (!channel) return { ok: false, reason: 'not_found', label };
  if (channel.is_archived) return { ok: false, reason: 'archived', label };
  // Direct messages with the bot have no membership flag: the bot is in its own DMs.
  if (!channel.is_im && channel.is_member === false) return { ok: false, reason: 'not_member', label };
  return { ok: true, id, name: channel.name ?? ref.name };
}

async function findByName(client: webApi.WebClient, name: string): Promise<string | null> {
  let cursor: string | undefined;
  for (let page = 0; page < MAX_LIST_PAGES; page++) {
    const result = await client.conversations.list({
      types: 'public_channel,private_channel',
      exclude_archived: true,
      limit: 200,
      ...(cursor ? { cursor } : {}),
    });
    const found = (result.channels as ChannelInfo[] | undefined)?.find((c) => c.name === name);
    if (found?.id) return found.id;
    cursor = result.response_metadata?.next_cursor || undefined;
    if (!cursor) return null;
  }
  return null;
}

/** What to tell the person when finsync cannot post in the channel. */
export function accessProblemText(access: Exclude<ChannelAccess, { ok: true }>): string {
  switch (access.reason) {
    case 'not_member':
      return `finsync is not in ${access.label}, so it could not post there. Invite it with \`/invite @finsync\` in that channel, then run this command again.`;
    case 'archived':
      return `${access.label} is archived: choose another channel.`;
    case 'not_found':
      return `finsync cannot see ${access.label}. If it is private, invite finsync with \`/invite @finsync\` in it first; otherwise check the name.`;
  }
}
