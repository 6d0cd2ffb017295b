/** `/finsync status`: verdict first, then every connection worst first, with a Share in Channel button. */
import type { ConnectionStatus, Health, StatusReport } from '../../services/status.ts';
import { verdict } from '../../services/status.ts';
import {
  actions,
  type Block,
  button,
  context,
  LIMITS,
  packLines,
  type SlackMessage,
  safe,
  section,
  slackDate,
} from './blocks.ts';

export const HEALTH_EMOJI: Readonly<Record<Health, string>> = {
  needs_reconnect: ':no_entry:',
  failing: ':red_circle:',
  running: ':arrows_counterclockwise:',
  never_synced: ':white_circle:',
  healthy: ':large_green_circle:',
};

export function connectionLine(status: ConnectionStatus): string {
  const last = status.lastSuccessAt
    ? `last success ${slackDate(status.lastSuccessAt)}`
    : 'no successful sync yet';
  const next = status.nextRunAt ? `next run ${slackDate(status.nextRunAt)}` : 'manual only';
  return (
    `${HEALTH_EMOJI[status.health]} *${safe(status.name, 40)}* (${safe(status.providerName, 40)}) · ${safe(status.stateText, 200)}\n` +
    `      ${last} · ${status.records.toLocaleString('en-US')} records · ${next}`
  );
}

export function statusMessage(report: StatusReport, options: { shareable: boolean }): SlackMessage {
  const line = verdict(report);
  const blocks: Block[] = [section(`*finsync status:* ${safe(line)}`)];
  if (report.total === 0) {
    blocks.push(
      section('Connect your first system with `/finsync connect stripe` (or open the finsync Home tab).'),
    );
    return { text: `finsync status: ${line}`, blocks };
  }
  // Leave room for the verdict, the footer and the actions block.
  const { blocks: lines, omitted } = packLines(
    report.connections.map(connectionLine),
    LIMITS.messageBlocks - 4,
  );
  blocks.push(...lines);
  const footer = [`As of ${slackDate(report.generatedAt)}`];
  if (omitted > 0)
    footer.push(`${omitted} more connections not shown: see the Home tab or \`npx finsync status\``);
  blocks.push(context(footer.join(' · ')));
  if (options.shareable) blocks.push(actions([button('Share in Channel', 'status_share', 'share')]));
  return { text: `finsync status: ${line}`, blocks };
}
