/**
 * Who may change things, and who may see money: the one role check, used by slash commands, buttons, modal
 * submissions and the CLI.
 * Admins are FINSYNC_ADMINS plus members of FINSYNC_ADMIN_GROUP (looked up in Slack, cached for a minute).
 * Money figures (the digest) are for admins plus members of FINSYNC_MONEY_VIEWERS_GROUP; with that unset,
 * for everyone who can use the app. Everyone may read status, history and the Home tab.
 */
export type GroupMembers = (groupId: string) => Promise<readonly string[]>;

/** The CLI runs with the operator's shell access to the data folder and key, which is the authorization. */
export const CLI_ACTOR = 'cli';

export interface RolesOptions {
  /** FINSYNC_MONEY_VIEWERS_GROUP: a Slack user group whose members (plus admins) may see money figures. */
  readonly moneyViewersGroup?: string | undefined;
  readonly now?: () => number;
  readonly cacheMs?: number;
}

export class Roles {
  /** Members per user group, as Slack last told us. */
  private readonly cache = new Map<string, { at: number; members: ReadonlySet<string> }>();
  private readonly now: () => number;
  private readonly cacheMs: number;
  private readonly moneyViewersGroup: string | undefined;

  constructor(
    private readonly admins: readonly string[],
    private readonly adminGroup: string | undefined,
    private readonly groupMembers: GroupMembers,
    options: RolesOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.cacheMs = options.cacheMs ?? 60_000;
    this.moneyViewersGroup = options.moneyViewersGroup;
  }

  /**
   * `fresh` asks Slack now instead of trusting the minute-old cache, for decisions that cannot be undone
   * cheaply (exchanging an OAuth code for tokens); if Slack cannot answer then, the answer is no.
   */
  async isAdmin(userId: string, options: { readonly fresh?: boolean } = {}): Promise<boolean> {
    if (userId === CLI_ACTOR || this.admins.includes(userId)) return true;
    if (!this.adminGroup) return false;
    return this.inGroup(this.adminGroup, userId, options.fresh ?? false);
  }

  /** May this person see money figures (the digest's totals)? Admins always; others per the setting. */
  async canSeeMoney(userId: string): Promise<boolean> {
    if (!this.moneyViewersGroup) return true;
    if (await this.isAdmin(userId)) return true;
    return this.inGroup(this.moneyViewersGroup, userId, false);
  }

  /** Names who can make changes, for the refusal message. */
  describeAdmins(): string {
    const people = this.admins.slice(0, 5).map((id) => `<@${id}>`);
    if (this.admins.length > 5) people.push(`${this.admins.length - 5} more`);
    if (this.adminGroup) people.push(`members of the admin user group ${this.adminGroup}`);
    return people.length > 0 ? people.join(', ') : 'nobody yet: set FINSYNC_ADMINS to Slack user IDs';
  }

  /** The rule for money figures, in words, for the refusal message. */
  describeMoneyViewers(): string {
    return this.moneyViewersGroup
      ? `finsync admins and members of the user group ${this.moneyViewersGroup} (FINSYNC_MONEY_VIEWERS_GROUP)`
      : 'everyone who can use finsync';
  }

  private async inGroup(group: string, userId: string, fresh: boolean): Promise<boolean> {
    const cached = this.cache.get(group);
    if (fresh || !cached || this.now() - cached.at > this.cacheMs) {
      try {
        const members = new Set(await this.groupMembers(group));
        this.cache.set(group, { at: this.now(), members });
        return members.has(userId);
      } catch {
        // Slack unreachable: fall back to what we knew, or refuse (never grant on error). A fresh answer was
        // asked for because the cache is not good enough: refuse.
        return fresh ? false : (cached?.members.has(userId) ?? false);
      }
    }
    return cached.members.has(userId);
  }
}
