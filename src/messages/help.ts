/** `/finsync help` and the usage hint that answers every malformed command. */
import { COMMANDS, type ParseFailure } from '../commands/command-grammar.ts';
import { context, escapeMrkdwn, header, type SlackMessage, safe, section } from './blocks.ts';

export function helpMessage(): SlackMessage {
  // Usages contain < and >, which mrkdwn would read as links: escape them.
  const lines = COMMANDS.map(
    (c) => `\`/finsync ${escapeMrkdwn(c.usage)}\`\n${c.summary}. Example: \`${escapeMrkdwn(c.example)}\``,
  );
  return {
    text: 'finsync commands: help, status, connect, reconnect, disconnect, sync, schedule, history, alerts, digest, subscribe, audit',
    blocks: [
      header('finsync commands'),
      section(lines.slice(0, 6).join('\n\n')),
      section(lines.slice(6).join('\n\n')),
      context(
        'Connections are named by their short name, e.g. `stripe` or `stripe-2`. Channels as #channel.',
      ),
    ],
  };
}

export function usageHint(error: ParseFailure): SlackMessage {
  const suggestion = error.suggestion ? ` Did you mean \`${error.suggestion}\`?` : '';
  const text = `${error.message}${suggestion} Usage: /finsync ${error.usage.usage}`;
  return {
    // The message repeats what the person typed: escaped in the notification text as in the blocks.
    text: clipText(escapeMrkdwn(text)),
    blocks: [
      section(`:warning: ${safe(error.message, 600)}${suggestion}`),
      section(
        `*Usage:* \`/finsync ${escapeMrkdwn(error.usage.usage)}\`\n*Example:* \`${escapeMrkdwn(error.usage.example)}\``,
      ),
      context('`/finsync help` lists every command.'),
    ],
  };
}

/** A plain answer for a person: one section and the same words as text. */
export function notice(emoji: string, text: string, detail?: string): SlackMessage {
  return {
    text: clipText(escapeMrkdwn(text)),
    blocks: [section(`${emoji} ${safe(text, 2000)}`), ...(detail ? [context(safe(detail, 2000))] : [])],
  };
}

/**
 * A refusal that names the admins: the message is escaped like any other, then the user mentions finsync
 * itself wrote (`<@U…>`, from FINSYNC_ADMINS) are restored so Slack shows names. No other markup survives.
 */
export function refusal(emoji: string, text: string): SlackMessage {
  const mentions = (escaped: string) => escaped.replace(/&lt;@([UW][A-Z0-9]{2,})&gt;/g, '<@$1>');
  return {
    text: clipText(escapeMrkdwn(text.replace(/<@([UW][A-Z0-9]{2,})>/g, '@$1'))),
    blocks: [section(mentions(`${emoji} ${safe(text, 2000)}`))],
  };
}

function clipText(text: string): string {
  return text.length > 2900 ? `${text.slice(0, 2899)}…` : text;
}
