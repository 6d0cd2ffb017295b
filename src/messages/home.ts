/**
 * The Home tab: freshness line, totals, "needs attention" first, then every connection as
 * name · state · last success · next run. Stays within 100 blocks with any number of connections by
 * giving full sections (with buttons) to the first ones and packing the rest into summary lines.
 */
import type { StatusReport } from '../services/status.ts';
import { verdict } from '../services/status.ts';
import {
  actions,
  type Block,
  button,
  confirmDialog,
  context,
  divider,
  fields,
  type HomeView,
  header,
  LIMITS,
  packLines,
  safe,
  section,
  slackDate,
} from './blocks.ts';
import { connectionLine, HEALTH_EMOJI } from './status.ts';

/** Connections shown with their own buttons; the rest are summarized lines. */
export const HOME_DETAILED_CONNECTIONS = 20;

/** Where alerts and the digest go, and when each was last delivered (from the outbox). */
export interface HomeNotifications {
  /** Already rendered mrkdwn: `<#C…>`, "off", "not set". */
  readonly alerts: string;
  readonly digest: string;
  readonly lastAlertAt: string | null;
  readonly lastDigestAt: string | null;
}

export function notificationsLine(n: HomeNotifications): string {
  const when = (at: string | null, none: string) => (at ? slackDate(at) : none);
  return (
    `:bell: Alerts → ${n.alerts} · last alert delivered ${when(n.lastAlertAt, 'never')}` +
    ` · :newspaper: Digest → ${n.digest} · last digest delivered ${when(n.lastDigestAt, 'never')}`
  );
}

export function homeView(
  report: StatusReport,
  options: {
    isAdmin: boolean;
    lastSuccessAt: string | null;
    notifications?: HomeNotifications;
    /** Today's compact cash line (messages/cash.ts), for money viewers only. */
    cash?: string;
    /** Open payment requests (lines of messages/payment-request.ts), for those who may ask for payments. */
    payments?: { readonly open: readonly string[] };
  },
): HomeView {
  const blocks: Block[] = [
    header('finsync'),
    context(`Updated ${slackDate(report.generatedAt)} · ${safe(verdict(report))}`),
  ];
  if (report.total === 0) {
    blocks.push(
      section(
        '*Welcome to finsync.* Connect your bank, payment processor or accounting system, and finsync keeps its data in sync and tells this workspace when something breaks.',
      ),
      ...(options.isAdmin
        ? [actions([button('Connect a System', 'home_connect', 'connect', { style: 'primary' })])]
        : [context('Ask a finsync admin to connect the first system.')]),
    );
    return { type: 'home', blocks };
  }
  const active = report.total - report.needAttention;
  blocks.push(
    fields([
      ['Connections', String(report.total)],
      ['Active', String(active)],
      ['In error', String(report.needAttention)],
      ['Last successful sync', options.lastSuccessAt ? slackDate(options.lastSuccessAt) : 'None yet'],
    ]),
  );
  if (options.cash) blocks.push(section(options.cash));
  if (options.payments) {
    const { open } = options.payments;
    blocks.push(
      section(
        open.length === 0
          ? '*Payment requests:* none open'
          : `*Payment requests: ${open.length} open*\n${open.slice(0, 5).join('\n')}${open.length > 5 ? `\n…and ${open.length - 5} more: \`/finsync requests\`` : ''}`,
      ),
      actions([button('Request a Payment', 'home_request_payment', 'request')], 'home_payments'),
    );
  }
  if (options.notifications) blocks.push(context(notificationsLine(options.notifications)));
  if (options.isAdmin)
    blocks.push(actions([button('Connect a System', 'home_connect', 'connect', { style: 'primary' })]));
  const attention = report.connections.filter(
    (c) => c.health === 'needs_reconnect' || c.health === 'failing',
  );
  if (attention.length > 0) blocks.push(section(`*Needs attention (${attention.length})*`));
  else blocks.push(section('*Connections*'));

  const detailed = report.connections.slice(0, HOME_DETAILED_CONNECTIONS);
  for (const [index, status] of detailed.entries()) {
    if (index === attention.length && attention.length > 0)
      blocks.push(divider(), section('*Other connections*'));
    blocks.push(section(connectionLine(status)));
    if (options.isAdmin) {
      blocks.push(
        actions(
          [
            ...(status.health === 'needs_reconnect'
              ? [button('Reconnect', 'home_reconnect', status.name)]
              : []),
            button('Sync Now', 'home_sync', status.name),
            button('Schedule', 'home_schedule', status.name),
            button('Disconnect', 'home_disconnect', status.name, {
              style: 'danger',
              confirm: confirmDialog(
                'Disconnect?',
                `Open the disconnect form for *${safe(status.name, 40)}*?`,
                'Continue',
              ),
            }),
          ],
          // A new block_id per render position and state, so clicks on an outdated Home tab can be told apart.
          `conn_${index}_${status.health}`,
        ),
      );
    }
  }
  const rest = report.connections.slice(HOME_DETAILED_CONNECTIONS);
  if (rest.length > 0) {
    const room = LIMITS.viewBlocks - blocks.length - 3;
    const lines = rest.map(
      (s) => `${HEALTH_EMOJI[s.health]} *${safe(s.name, 40)}* · ${safe(s.stateText, 120)}`,
    );
    const { blocks: packed, omitted } = packLines(lines, room);
    blocks.push(divider(), ...packed);
    if (omitted > 0)
      blocks.push(context(`${omitted} more connections: \`npx finsync status\` lists them all.`));
  }
  return { type: 'home', blocks: blocks.slice(0, LIMITS.viewBlocks) };
}
