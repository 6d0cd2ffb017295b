/**
 * Who may change things: the one role check, used by slash commands, buttons, modal submissions and the CLI.
 * Admins are FINSYNC_ADMINS plus members of FINSYNC_ADMIN_GROUP (looked up in Slack, cached for a minute).
 * Everyone else may read status, history and the Home tab.
 */
export type GroupMembers = (groupId: string) => Promise<readonly string[]>;

/** The CLI runs with the operator's shell access to the data folder and key, which is the authorization. */
export const CLI_ACTOR = 'cli';

export class Roles {
  private cache: { at: number; members: ReadonlySet<string> } | null = null;

  constructor(
    private readonly admins: readonly string[],
    private readonly adminGroup: string | undefined,
    private readonly groupMembers: GroupMembers,
    private readonly now: () => number = Date.now,
    private readonly cacheMs = 60_000,
  ) {}

  /**
   * `fresh` asks Slack now instead of trusting the minute-old cache, for decisions that cannot be undone
   * cheaply (exchanging an OAuth code for tokens); if Slack cannot answer then, the answer is no.
   */
  async isAdmin(userId: string, options: { readonly fresh?: boolean } = {}): Promise<boolean> {
    if (userId === CLI_ACTOR || this.admins.includes(userId)) return true;
    if (!this.adminGroup) return false;
    if (options.fresh) {
      try {
        this.cache = { at: this.now(), members: new Set(await this.groupMembers(this.adminGroup)) };
      } catch {
        return false;
      }
    }
    if (!this.cache || this.now() - this.cache.at > this.cacheMs) {
      try {
        this.cache = { at: this.now(), members: new Set(await this.groupMembers(this.adminGroup)) };
      } catch {
        // Slack unreachable: fall back to what we knew, or refuse (never grant on error).
        return this.cache?.members.has(userId) ?? false;
      }
    }
    return this.cache.members.has(userId);
  }

  /** Names who can make changes, for the refusal message. */
  describeAdmins(): string {
    const people = this.admins.slice(0, 5).map((id) => `<@${id}>`);
    if (this.admins.length > 5) people.push(`${this.admins.length - 5} more`);
    if (this.adminGroup) people.push(`members of the admin user group ${this.adminGroup}`);
    return people.length > 0 ? people.join(', ') : 'nobody yet: set FINSYNC_ADMINS to Slack user IDs';
  }
}
