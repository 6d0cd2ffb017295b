/**
 * The status of every connection, worst first, as plain data. Slack views, the Home tab, the CLI and
 * the digest all read this one report.
 */
import type { Connection, Store, SyncRun } from '../store/types.ts';

export type Health = 'needs_reconnect' | 'failing' | 'running' | 'never_synced' | 'healthy';

/** Order of attention: what needs a person comes first. */
const HEALTH_ORDER: readonly Health[] = ['needs_reconnect', 'failing', 'running', 'never_synced', 'healthy'];

export interface ConnectionStatus {
  readonly name: string;
  readonly provider: string;
  readonly providerName: string;
  readonly accountLabel: string;
  readonly health: Health;
  /** The state in words, for people and screen readers. */
  readonly stateText: string;
  readonly lastSuccessAt: string | null;
  readonly lastRun: SyncRun | null;
  readonly records: number;
  readonly schedule: string | null;
  readonly nextRunAt: Date | null;
}

export interface StatusReport {
  readonly generatedAt: Date;
  readonly total: number;
  readonly healthy: number;
  readonly needAttention: number;
  readonly connections: readonly ConnectionStatus[];
}

export interface StatusDeps {
  readonly store: Store;
  readonly providerName: (provider: string) => string;
  readonly nextRuns: () => Promise<ReadonlyMap<string, Date>>;
  readonly now: () => Date;
}

export function healthOf(
  connection: Connection,
  latest: SyncRun | null,
): { health: Health; stateText: string } {
  if (connection.state === 'needs_reconnect') {
    return { health: 'needs_reconnect', stateText: 'Needs reconnect: the provider rejected the credentials' };
  }
  if (!latest) return { health: 'never_synced', stateText: 'Connected, not synced yet' };
  switch (latest.status) {
    case 'running':
      return { health: 'running', stateText: 'Syncing now' };
    case 'failed':
      return { health: 'failing', stateText: `Failing: last sync failed (${latest.errorClass ?? 'error'})` };
    case 'cancelled':
      return { health: 'failing', stateText: 'Last sync was cancelled before it finished' };
    case 'partial':
      return { health: 'healthy', stateText: 'Healthy, last sync skipped some objects' };
    case 'success':
      return { health: 'healthy', stateText: 'Healthy' };
  }
}

export async function statusReport(deps: StatusDeps): Promise<StatusReport> {
  const now = deps.now();
  const [connections, summaries, counts, nextRuns] = await Promise.all([
    deps.store.listConnections(),
    deps.store.runSummaries(),
    deps.store.recordCounts(),
    deps.nextRuns(),
  ]);
  const statuses = connections.map((connection): ConnectionStatus => {
    const summary = summaries.get(connection.name);
    const latest = summary?.latest ?? null;
    const { health, stateText } = healthOf(connection, latest);
    return {
      name: connection.name,
      provider: connection.provider,
      providerName: deps.providerName(connection.provider),
      accountLabel: connection.accountLabel,
      health,
      stateText,
      lastSuccessAt: summary?.lastSuccess?.endedAt ?? null,
      lastRun: latest,
      records: counts.get(connection.name) ?? 0,
      schedule: connection.schedule,
      nextRunAt: connection.schedule ? (nextRuns.get(connection.name) ?? null) : null,
    };
  });
  statuses.sort(
    (a, b) => HEALTH_ORDER.indexOf(a.health) - HEALTH_ORDER.indexOf(b.health) || a.name.localeCompare(b.name),
  );
  const needAttention = statuses.filter(
    (s) => s.health === 'needs_reconnect' || s.health === 'failing',
  ).length;
  return {
    generatedAt: now,
    total: statuses.length,
    healthy: statuses.filter((s) => s.health === 'healthy').length,
    needAttention,
    connections: statuses,
  };
}

/** "5 of 7 healthy · 2 need attention" */
export function verdict(report: StatusReport): string {
  if (report.total === 0) return 'No systems connected yet';
  const parts = [`${report.healthy} of ${report.total} healthy`];
  if (report.needAttention > 0)
    parts.push(`${report.needAttention} ${report.needAttention === 1 ? 'needs' : 'need'} attention`);
  const other = report.total - report.healthy - report.needAttention;
  if (other > 0) parts.push(`${other} syncing or not synced yet`);
  return parts.join(' · ');
}
