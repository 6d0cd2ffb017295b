/** `/finsync audit [N]`: who changed what, newest first. */
import type { AuditEntry } from '../store/types.ts';
import { context, header, LIMITS, packLines, type SlackMessage, safe, slackDate } from './blocks.ts';

const OUTCOME: Readonly<Record<AuditEntry['outcome'], string>> = {
  ok: ':white_check_mark: done',
  refused: ':lock: refused',
  failed: ':x: failed',
};

export function auditMessage(entries: readonly AuditEntry[]): SlackMessage {
  if (entries.length === 0)
    return { text: 'The audit log is empty', blocks: [context('The audit log is empty.')] };
  const lines = entries.map((e) => {
    const who = e.actor === 'cli' ? 'CLI' : `<@${safe(e.actor, 20)}>`;
    const on = e.connection ? ` · ${safe(e.connection, 40)}` : '';
    const detail = e.detail ? ` · ${safe(e.detail, 200)}` : '';
    return `${slackDate(e.at)} · ${who} · ${safe(e.action, 100)}${on} · ${OUTCOME[e.outcome]}${detail}`;
  });
  const { blocks, omitted } = packLines(lines, LIMITS.messageBlocks - 2);
  return {
    text: `Last ${entries.length} audit entries`,
    blocks: [
      header('finsync audit log'),
      ...blocks,
      ...(omitted > 0 ? [context(`${omitted} more not shown: \`npx finsync export audit\``)] : []),
    ],
  };
}
