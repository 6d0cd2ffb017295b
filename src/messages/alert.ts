/**
 * The incident alert: one living message per incident and channel (its parent), and the replies in its
 * thread. Pure: the incident in, the message out. Every version of the parent gets its own `block_id` and
 * its buttons carry the version, so a click on an outdated copy is recognised (CONVENTIONS, UX bar 6).
 *
 * Provider text (the error) arrives with secrets already removed; here it loses account numbers (last 4
 * kept), is escaped for mrkdwn and clipped. Routine updates mention nobody; only the escalation reply does.
 */

import type { Incident, Snooze } from '../incidents/types.ts';
import { maskAccountNumbers } from '../security/mask.ts';
import {
  actions,
  type Block,
  button,
  context,
  fields,
  header,
  type ModalView,
  type SlackMessage,
  safe,
  section,
  slackDate,
} from './blocks.ts';

export const INCIDENT_ACTIONS = {
  retry: 'incident_retry',
  snooze: 'incident_snooze',
  history: 'incident_history',
  reconnect: 'incident_reconnect',
} as const;

export const SNOOZE_CALLBACK = 'incident_snooze_modal';
export const SNOOZE_BLOCK = 'snooze';
export const SNOOZE_ELEMENT = 'choice';

const ERROR_TEXT = 600;
const NAME = 80;

interface ErrorAdvice {
  readonly words: string;
  readonly todo: (incident: Incident) => string;
}

const ADVICE: Readonly<Record<string, ErrorAdvice>> = {
  auth: {
    words: 'Authentication failed',
    todo: (i) =>
      `*Reconnect* ${safe(i.connection, NAME)}: the provider refused its credentials. Press Reconnect (or run \`/finsync reconnect ${safe(i.connection, NAME)}\`) and give new credentials of the same account, then press Retry Now.`,
  },
  rate_limited: {
    words: 'Rate limited by the provider',
    todo: () =>
      'The provider asked finsync to slow down and the run gave up waiting. It usually clears by itself; press Retry Now later.',
  },
  transient: {
    words: 'Provider unavailable',
    todo: () =>
      "Usually temporary: finsync retried with backoff. Check the provider's status page, then press Retry Now.",
  },
  invalid_request: {
    words: 'Request refused by the provider',
    todo: () =>
      "A permission or account setting at the provider may have changed: check the connected account's settings, then Retry Now.",
  },
  config: {
    words: 'finsync setting missing or invalid',
    todo: () => 'A finsync admin must fix the setting named in the error, then press Retry Now.',
  },
  storage: {
    words: 'finsync could not store the data',
    todo: () => "Check the finsync host's disk and data folder, then press Retry Now.",
  },
  not_found: {
    words: 'Not found at the provider',
    todo: () => 'The account or object finsync reads may have been removed: reconnect if needed.',
  },
};

const FALLBACK: ErrorAdvice = {
  words: 'Unexpected error',
  todo: (i) => `Press Retry Now; if it fails again, tell a finsync admin and quote incident #${i.id}.`,
};

export function adviceFor(errorClass: string): ErrorAdvice {
  return ADVICE[errorClass] ?? FALLBACK;
}

/** The button value: incident id and message version. */
export function incidentButtonValue(incident: Pick<Incident, 'id' | 'version'>): string {
  return `${incident.id}:${incident.version}`;
}

export function parseIncidentButtonValue(value: unknown): { id: number; version: number } | null {
  if (typeof value !== 'string') return null;
  const match = /^(\d{1,12}):(\d{1,9})$/.exec(value);
  return match ? { id: Number(match[1]), version: Number(match[2]) } : null;
}

/** The error as an alert may show it: account numbers masked, escaped, clipped, never empty. */
export function errorText(message: string, max = ERROR_TEXT): string {
  // One line: the error sits in a quote block, which a newline would end.
  const masked = maskAccountNumbers(message.replace(/\s+/g, ' ').trim() || 'no detail given');
  return safe(masked, max);
}

function runs(n: number): string {
  return `${n} failed run${n === 1 ? '' : 's'}`;
}

function snoozeLine(snooze: Snooze): string {
  const until = snooze.until ? `until ${slackDate(snooze.until)}` : 'until it is resolved';
  return `:zzz: *Snoozed* by ${safe(snooze.byName, NAME)} ${until}: no updates are posted meanwhile.`;
}

/** The parent message of an incident, as it stands now. */
export function alertMessage(incident: Incident): SlackMessage {
  const provider = safe(incident.providerName, 60);
  const advice = adviceFor(incident.errorClass);
  const resolved = incident.state === 'resolved';
  const closed = incident.closedBecause === 'disconnected';
  const status = closed
    ? `:heavy_minus_sign: *Closed*${incident.resolvedAt ? ` ${slackDate(incident.resolvedAt)}` : ''}: the connection was disconnected after ${runs(incident.failedRuns)}.`
    : resolved
      ? `:white_check_mark: *Resolved*${incident.resolvedAt ? ` ${slackDate(incident.resolvedAt)}` : ''} after ${runs(incident.failedRuns)}.`
      : `:red_circle: *Failing* since ${slackDate(incident.failingSince)} · ${runs(incident.failedRuns)}`;
  const blocks: Block[] = [
    header(`${incident.providerName} sync failed${closed ? ' · closed' : resolved ? ' · resolved' : ''}`),
    section(`${status}\n>${errorText(incident.errorMessage)}`),
    fields([
      ['Provider', provider],
      ['Connection', safe(incident.connection, NAME)],
      ['Error class', `${safe(advice.words, 80)} (\`${safe(incident.errorClass, 30)}\`)`],
      ['Failing since', slackDate(incident.failingSince)],
      ['Last success', incident.lastSuccessAt ? slackDate(incident.lastSuccessAt) : 'Never'],
    ]),
  ];
  if (resolved) {
    blocks.push(
      context(
        `${closed ? ':heavy_minus_sign: Closed' : ':white_check_mark: Resolved'} · ${incident.resolvedAt ? slackDate(incident.resolvedAt) : 'now'} · incident #${incident.id}`,
      ),
    );
  } else {
    blocks.push(section(`*What to do:* ${advice.todo(incident)}`));
    if (incident.snooze) blocks.push(section(snoozeLine(incident.snooze)));
    const value = incidentButtonValue(incident);
    // Refused credentials: reconnecting is the way out, so it is the primary button.
    const reconnect = incident.errorClass === 'auth';
    blocks.push(
      actions(
        [
          ...(reconnect
            ? [button('Reconnect', INCIDENT_ACTIONS.reconnect, value, { style: 'primary' })]
            : []),
          button('Retry Now', INCIDENT_ACTIONS.retry, value, reconnect ? {} : { style: 'primary' }),
          button('Snooze', INCIDENT_ACTIONS.snooze, value),
          button('View History', INCIDENT_ACTIONS.history, value),
        ],
        `incident:${incident.id}:v${incident.version}`,
      ),
      context(`Incident #${incident.id} · message version ${incident.version}`),
    );
  }
  return { text: alertText(incident), blocks };
}

/** The top-level text: what a notification or a screen reader says. No tokens, times in UTC words. */
export function alertText(incident: Incident): string {
  const since = utc(incident.failingSince);
  const what = `${incident.providerName} sync of ${incident.connection}`;
  const plain = maskAccountNumbers(
    incident.closedBecause === 'disconnected'
      ? `Closed: ${incident.connection} was disconnected while failing (${runs(incident.failedRuns)} since ${since})`
      : incident.state === 'resolved'
        ? `Resolved: ${what} recovered after ${runs(incident.failedRuns)} (failing since ${since})`
        : `${incident.providerName} sync failed: ${incident.connection}, ${adviceFor(incident.errorClass).words.toLowerCase()}, failing since ${since}, ${runs(incident.failedRuns)}${incident.snooze ? ' (snoozed)' : ''}`,
  );
  return safe(plain, 600);
}

/** A thread reply for each further failure. */
export function failureReply(incident: Incident): SlackMessage {
  const line = `:x: Failed again (${runs(incident.failedRuns)} since ${slackDate(incident.failingSince)}): ${errorText(incident.errorMessage, 1_500)}`;
  return {
    text: safe(`${incident.connection} failed again: ${runs(incident.failedRuns)}`, 300),
    blocks: [section(line)],
  };
}

/** The one reply that mentions a person: the owner, after `escalateAfter` failures in a row. */
export function escalationReply(incident: Incident, ownerId: string | null): SlackMessage {
  const who = ownerId ? `<@${ownerId}>` : 'A finsync admin';
  const line = `:rotating_light: ${who}, ${safe(incident.connection, NAME)} has failed ${runs(incident.failedRuns)} in a row since ${slackDate(incident.failingSince)}. ${adviceFor(incident.errorClass).todo(incident)}`;
  return {
    text: safe(`Escalation: ${incident.connection} has failed ${runs(incident.failedRuns)} in a row`, 300),
    blocks: [section(line)],
  };
}

/** The one reply when the incident resolves. */
export function recoveryReply(incident: Incident): SlackMessage {
  const at = incident.resolvedAt ? slackDate(incident.resolvedAt) : 'now';
  return {
    text: safe(`${incident.connection} recovered after ${runs(incident.failedRuns)}`, 300),
    blocks: [
      section(
        `:white_check_mark: *Recovered* ${at}: ${safe(incident.connection, NAME)} synced successfully after ${runs(incident.failedRuns)} (failing since ${slackDate(incident.failingSince)}).`,
      ),
    ],
  };
}

/** A channel that asked for recoveries only (no failure alert there): one top-level message. */
export function recoveryNotice(incident: Incident): SlackMessage {
  const reply = recoveryReply(incident);
  return {
    text: `${safe(incident.providerName, 60)}: ${reply.text}`,
    blocks: [...reply.blocks, context(`Incident #${incident.id}`)],
  };
}

/** Posted (and broadcast to the channel) when a snooze ends while the incident is still open. */
export function snoozeExpiredReply(incident: Incident, snooze: Snooze): SlackMessage {
  return {
    text: safe(`Snooze ended: ${incident.connection} is still failing (${runs(incident.failedRuns)})`, 300),
    blocks: [
      section(
        `:alarm_clock: The snooze by ${safe(snooze.byName, NAME)} has ended and ${safe(incident.connection, NAME)} is still failing: ${runs(incident.failedRuns)} since ${slackDate(incident.failingSince)}.`,
      ),
    ],
  };
}

export function snoozeModal(incident: Incident, timezoneLabel: string): ModalView {
  // The version the person saw: a submission after the alert changed is answered in the form.
  const metadata = { incident: incidentButtonValue(incident) };
  const option = (value: string, text: string) => ({
    value,
    text: { type: 'plain_text' as const, text },
  });
  return {
    type: 'modal',
    callback_id: SNOOZE_CALLBACK,
    private_metadata: JSON.stringify(metadata),
    title: { type: 'plain_text', text: 'Snooze Alert' },
    submit: { type: 'plain_text', text: 'Snooze' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [
      section(
        `No updates about *${safe(incident.connection, NAME)}* are posted while snoozed. If it is still failing when the snooze ends, the alert is raised again once.`,
      ),
      {
        type: 'input',
        block_id: SNOOZE_BLOCK,
        label: { type: 'plain_text', text: 'Snooze for' },
        element: {
          type: 'radio_buttons',
          action_id: SNOOZE_ELEMENT,
          initial_option: option('1h', '1 hour'),
          options: [
            option('1h', '1 hour'),
            option('4h', '4 hours'),
            option('tomorrow_9', `Until 09:00 tomorrow (${timezoneLabel.slice(0, 40)})`),
            option('until_resolved', 'Until it is resolved'),
          ],
        },
      },
    ],
  };
}

function utc(iso: string): string {
  return `${iso.slice(0, 16).replace('T', ' ')} UTC`;
}
