/**
 * `cash`: money in, out and net of a period, per system (connection) and currency, from the ledger's
 * money-movement records, plus each account's latest balance where its provider can tell it live.
 *
 * The period is cut into the team's local days and each day is asked of the digest's store query
 * (`store.digest.moneyByConnection`), so calendar-date providers count on their date exactly as in the
 * digest; the days are added per connection and currency in BigInt. One system's money is never added to
 * another's (CONVENTIONS.md: until reconciliation exists).
 */
import { connectorFor, integrationFor } from '../../connectors/registry.ts';
import type {
  AccountBalance,
  ConnectorContext,
  CredentialSession,
  Credentials,
} from '../../connectors/types.ts';
import type { CashRangeSpec } from '../commands/command-grammar.ts';
import { type DigestDay, dayBefore, dayContaining, dayOfDate } from '../digest/day.ts';
import { CALENDAR_DATE_PROVIDERS } from '../digest/queries.ts';
import { errorMessage, ForbiddenError } from '../errors.ts';
import type { Roles } from '../security/roles.ts';
import type { AuditEntry, Connection, Store } from '../store/types.ts';

export interface CashTotals {
  /** ISO 4217, upper case. */
  readonly currency: string;
  /** Minor units. */
  readonly moneyIn: bigint;
  readonly moneyOut: bigint;
  /** `moneyIn - moneyOut`. */
  readonly net: bigint;
  readonly movements: number;
}

export type BalanceAnswer =
  | { readonly outcome: 'ok'; readonly balances: readonly AccountBalance[] }
  | { readonly outcome: 'unavailable'; readonly reason: string }
  /** The provider declares no balances (a data warehouse, an accounting system without bank feeds). */
  | { readonly outcome: 'none' };

export interface CashSystem {
  readonly connection: string;
  readonly provider: string;
  readonly providerName: string;
  /** False for records of a connection since removed (its ledger records were kept). */
  readonly connected: boolean;
  /** By currency code; empty when nothing moved in the period. */
  readonly totals: readonly CashTotals[];
  readonly balances: BalanceAnswer;
}

export interface CashReport {
  /** "today so far", "yesterday", "the last 7 days", "this month so far", or the dates. */
  readonly label: string;
  /** First and last local dates of the period, inclusive (`YYYY-MM-DD`). */
  readonly from: string;
  readonly to: string;
  readonly timezone: string;
  readonly generatedAt: Date;
  /** Source connections first by name, then removed connections that left records in the period. */
  readonly systems: readonly CashSystem[];
}

export interface CashDeps {
  readonly store: Store;
  readonly roles: Roles;
  readonly timezone: string;
  readonly now: () => Date;
  readonly audit: (entry: Omit<AuditEntry, 'at'>) => Promise<void>;
  readonly credentialsOf: (connection: Connection) => Credentials;
  /** Where a provider asked for balances saves credentials it rotated (a refresh token used to ask). */
  readonly sessionFor?: (connection: Connection) => CredentialSession;
  readonly connectorContext: (provider: string, signal?: AbortSignal) => ConnectorContext;
  /** How long a live balance may take before it reads "unavailable" (default 5 s). */
  readonly balanceTimeoutMs?: number;
}

/** The local days of a period, oldest first, and its words. */
export function cashDays(
  range: CashRangeSpec,
  now: Date,
  timezone: string,
): { label: string; days: DigestDay[] } {
  const today = dayContaining(now, timezone);
  const back = (day: DigestDay, n: number) => {
    const days = [day];
    while (days.length < n) days.unshift(dayBefore(days[0]!));
    return days;
  };
  switch (range.kind) {
    case 'today':
      return { label: 'today so far', days: [today] };
    case 'yesterday':
      return { label: 'yesterday', days: [dayBefore(today)] };
    case 'week':
      return { label: 'the last 7 days', days: back(today, 7) };
    case 'month':
      return { label: 'this month so far', days: back(today, Number(today.date.slice(8, 10))) };
    case 'dates': {
      const days: DigestDay[] = [];
      // A date the zone skipped entirely (Samoa's 2011-12-30) holds no instant and is left out.
      for (let date = range.from; date <= range.to; date = nextDate(date)) {
        const day = dayOfDate(date, timezone);
        if (day) days.push(day);
      }
      return { label: range.from === range.to ? range.from : `${range.from} to ${range.to}`, days };
    }
  }
}

function nextDate(date: string): string {
  const ms = Date.parse(`${date}T00:00:00Z`) + 86_400_000;
  return new Date(ms).toISOString().slice(0, 10);
}

export class CashService {
  /**
   * Today's figures for the Home tab, kept while the ledger, the connections and the day stay the same: the
   * Home tab is published on every open, and summing today's ledger each time cost tens of milliseconds per
   * open under load. The key is read from the store, so a change by any process is seen at the next open.
   */
  private homeToday: { readonly key: string; readonly report: CashReport } | undefined;
  /** The local day of the last Home open, reused until the clock leaves it (cutting a day in a zone is not free). */
  private homeDay: DigestDay | undefined;

  constructor(private readonly deps: CashDeps) {}

  /** Today so far without live balances, for a money viewer's Home tab; null for anyone else. */
  async homeReport(userId: string): Promise<CashReport | null> {
    if (!(await this.canSee(userId))) return null;
    const { store, timezone } = this.deps;
    const now = this.deps.now();
    const [ledger, status] = await Promise.all([store.ledgerVersion(), store.statusVersion()]);
    const day = this.homeDayAt(now, timezone);
    const key = `${ledger}:${status}:${day.date}`;
    if (this.homeToday?.key === key) return this.homeToday.report;
    const report = await this.compute({ kind: 'today' }, now, { balances: false });
    this.homeToday = { key, report };
    return report;
  }

  private homeDayAt(now: Date, timezone: string): DigestDay {
    const day = this.homeDay;
    if (day && day.timezone === timezone && now >= day.start && now < day.end) return day;
    this.homeDay = dayContaining(now, timezone);
    return this.homeDay;
  }

  /** May this person see cash figures (FINSYNC_MONEY_VIEWERS_GROUP, admins always)? Not audited. */
  canSee(userId: string): Promise<boolean> {
    return this.deps.roles.canSeeMoney(userId);
  }

  /**
   * The period's money and the balances, for a money viewer (others get a ForbiddenError, audited).
   * `balances: false` leaves the providers alone (the Home tab, published on every open).
   */
  async report(
    actor: string,
    range: CashRangeSpec,
    options: { readonly balances?: boolean } = {},
  ): Promise<CashReport> {
    await this.requireMoneyViewer(actor);
    return this.compute(range, this.deps.now(), options);
  }

  private async compute(
    range: CashRangeSpec,
    now: Date,
    options: { readonly balances?: boolean },
  ): Promise<CashReport> {
    const { store, timezone } = this.deps;
    const { label, days } = cashDays(range, now, timezone);
    const sums = new Map<string, Map<string, { in: bigint; out: bigint; movements: number }>>();
    const providers = new Map<string, string>();
    for (const day of days) {
      for (const row of await store.digest.moneyByConnection(day, CALENDAR_DATE_PROVIDERS)) {
        providers.set(row.connection, row.provider);
        let byCurrency = sums.get(row.connection);
        if (!byCurrency) {
          byCurrency = new Map();
          sums.set(row.connection, byCurrency);
        }
        const sum = byCurrency.get(row.currency) ?? { in: 0n, out: 0n, movements: 0 };
        byCurrency.set(row.currency, {
          in: sum.in + row.moneyIn,
          out: sum.out + row.moneyOut,
          movements: sum.movements + row.movements,
        });
      }
    }
    const connections = (await store.listConnections()).filter((c) => connectorFor(c.provider));
    const balances =
      options.balances === false
        ? connections.map(() => ({ outcome: 'none' as const }))
        : await Promise.all(connections.map((c) => this.balancesOf(c)));
    const totalsOf = (connection: string): CashTotals[] =>
      [...(sums.get(connection)?.entries() ?? [])]
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([currency, s]) => ({
          currency,
          moneyIn: s.in,
          moneyOut: s.out,
          net: s.in - s.out,
          movements: s.movements,
        }));
    const byName = (a: { connection: string }, b: { connection: string }) =>
      a.connection < b.connection ? -1 : a.connection > b.connection ? 1 : 0;
    const systems: CashSystem[] = connections
      .map((c, i) => ({
        connection: c.name,
        provider: c.provider,
        providerName: integrationFor(c.provider)?.displayName ?? c.provider,
        connected: true,
        totals: totalsOf(c.name),
        balances: balances[i]!,
      }))
      .sort(byName);
    const connected = new Set(connections.map((c) => c.name));
    const removed: CashSystem[] = [...sums.keys()]
      .filter((name) => !connected.has(name))
      .map((name) => {
        const provider = providers.get(name) ?? '';
        return {
          connection: name,
          provider,
          providerName: integrationFor(provider)?.displayName ?? provider,
          connected: false,
          totals: totalsOf(name),
          balances: { outcome: 'none' as const },
        };
      })
      .sort(byName);
    return {
      label,
      from: days[0]?.date ?? '',
      to: days.at(-1)?.date ?? '',
      timezone,
      generatedAt: now,
      systems: [...systems, ...removed],
    };
  }

  /** Live, with a timeout: a provider that fails or is slow reads "unavailable", never failing the answer. */
  private async balancesOf(connection: Connection): Promise<BalanceAnswer> {
    const connector = connectorFor(connection.provider);
    if (!connector?.balances) return { outcome: 'none' };
    const timeoutMs = this.deps.balanceTimeoutMs ?? 5_000;
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const error = new Error(`no answer within ${timeoutMs / 1000} s`);
        controller.abort(error);
        reject(error);
      }, timeoutMs);
    });
    try {
      const credentials = this.deps.credentialsOf(connection);
      const ctx = this.deps.connectorContext(connection.provider, controller.signal);
      const session = this.deps.sessionFor?.(connection);
      const balances = await Promise.race([connector.balances(credentials, ctx, session), timeout]);
      return { outcome: 'ok', balances };
    } catch (error) {
      return { outcome: 'unavailable', reason: errorMessage(error).slice(0, 200) };
    } finally {
      clearTimeout(timer);
    }
  }

  private async requireMoneyViewer(actor: string): Promise<void> {
    const { roles } = this.deps;
    if (await roles.canSeeMoney(actor)) return;
    await this.deps.audit({
      actor,
      action: 'cash',
      connection: null,
      outcome: 'refused',
      detail: 'not a money viewer',
    });
    throw new ForbiddenError(
      `Cash shows money figures, which only ${roles.describeMoneyViewers()} can see. Ask a finsync admin if you need them.`,
    );
  }
}
