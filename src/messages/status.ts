/** `/finsync status`: verdict first, then every connection worst first, with a Share in Channel button. */
import type { ConnectionStatus, Health, StatusReport } from '../services/status.ts';
import { verdict } from '../services/status.ts';
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

/** Lines already rendered, by status object (a kept report shares them between requests). */
const lines = new WeakMap<ConnectionStatus, string>();

export function connectionLine(status: ConnectionStatus): string {
  let line = lines.get(status);
  if (line === undefined) {
    line = renderConnectionLine(status);
    lines.set(status, line);
  }
  return line;
}

function renderConnectionLine(status: ConnectionStatus): string {
  const last = status.lastSuccessAt
    ? `last success ${slackDate(status.lastSuccessAt)}`
    : 'no successful sync yet';
  const next = status.nextRunAt ? `next run ${slackDate(status.nextRunAt)}` : 'manual only';
  return (
    `${HEALTH_EMOJI[status.health]} *${safe(status.name, 40)}* (${safe(status.providerName, 40)}) · ${safe(status.stateText, 200)}\n` +
    `      ${last} · ${status.records.toLocaleString('en-US')} records · ${next}`
  );
}

/**
 * The connection lines, packed into blocks. A report kept between changes (services/status-cache.ts) hands
 * out the same `connections` array each time, so its lines are rendered once, not on every request.
 */
const packed = new WeakMap<readonly ConnectionStatus[], { blocks: Block[]; omitted: number }>();
function connectionBlocks(connections: readonly ConnectionStatus[]): { blocks: Block[]; omitted: number } {
  let result = packed.get(connections);
  if (!result) {
    // Leave room for the verdict, the footer and the actions block.
    result = packLines(connections.map(connectionLine), LIMITS.messageBlocks - 4);
    packed.set(connections, result);
  }
  return result;
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
  const { blocks: lines, omitted } = connectionBlocks(report.connections);
  blocks.push(...lines);
  const footer = [`As of ${slackDate(report.generatedAt)}`];
  if (omitted > 0)
    footer.push(`${omitted} more connections not shown: see the Home tab or \`npx finsync status\``);
  blocks.push(context(footer.join(' · ')));
  if (options.shareable) blocks.push(actions([button('Share in Channel', 'status_share', 'share')]));
  return { text: `finsync status: ${line}`, blocks };
}
