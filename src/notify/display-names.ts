/**
 * Slack display names for user ids, so routine messages can name people without pinging them.
 * Best effort: an id Slack cannot resolve (or any error) is simply left out, and the caller shows the id.
 */
import type { webApi } from '@slack/bolt';

const SLACK_USER = /^[UW][A-Z0-9]{2,}$/;

type SlackUser = webApi.UsersInfoResponse['user'];

/** The name people know: display name, else real name, else handle. */
function nameOf(user: SlackUser): string | undefined {
  return user?.profile?.display_name || user?.real_name || user?.name || undefined;
}

export async function displayNames(
  client: webApi.WebClient,
  ids: readonly string[],
): Promise<ReadonlyMap<string, string>> {
  const names = new Map<string, string>();
  await Promise.all(
    [...new Set(ids)]
      .filter((id) => SLACK_USER.test(id))
      .map(async (id) => {
        try {
          const user = (await client.users.info({ user: id })).user;
          const name = user?.profile?.display_name || user?.real_name || user?.name;
          if (name) names.set(id, name);
        } catch {
          // Left out: shown as the id.
        }
      }),
  );
  return names;
}

/** One user's display name and timezone (snooze "until 09:00 tomorrow" is in the clicker's zone). */
export async function userProfile(
  client: webApi.WebClient,
  id: string,
): Promise<{ name: string; timezone: string | null }> {
  try {
    const user = (await client.users.info({ user: id })).user;
    return { name: nameOf(user) ?? id, timezone: user?.tz ?? null };
  } catch {
    return { name: id, timezone: null };
  }
}
