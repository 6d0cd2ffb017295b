/**
 * The connect flow's views: the provider picker, and the renderings of a connect plan (a credentials modal
 * built from the fields, with a link page's button when there is one; or a consent button).
 */
import type { ConsentPlan, FormPlan, LinkPlan } from '../services/connect.ts';
import {
  actions,
  button,
  clip,
  context,
  type ModalView,
  type SlackMessage,
  safe,
  section,
} from './blocks.ts';
import { noticeModal } from './notice-modal.ts';

export const CONNECT_CALLBACK = 'connect_submit';
export const PICKER_CALLBACK = 'connect_pick_provider';
export const NAME_BLOCK = 'connection_name';

export interface ProviderOption {
  readonly id: string;
  readonly displayName: string;
  readonly description: string;
}

export function fieldBlockId(key: string): string {
  return `cred_${key}`;
}

/** The credentials modal of a form plan, or of a link plan (its page's button above the fallback fields). */
export function connectModal(plan: FormPlan | LinkPlan, channelId: string | null): ModalView {
  const reconnecting = plan.reconnecting;
  const initial = plan.kind === 'form' ? (plan.initial ?? {}) : {};
  // A reconnect names its connection in the metadata: the name is not the person's to change.
  const nameBlock = reconnecting
    ? context(`Connection: \`${safe(reconnecting, 40)}\``)
    : {
        type: 'input' as const,
        block_id: NAME_BLOCK,
        label: { type: 'plain_text' as const, text: 'Connection name' },
        hint: {
          type: 'plain_text' as const,
          text: 'Short name used in commands, e.g. /finsync sync stripe. Lower case, digits, - and _.',
        },
        element: {
          type: 'plain_text_input' as const,
          action_id: 'value',
          initial_value: plan.name,
          max_length: 40,
        },
      };
  return {
    type: 'modal',
    callback_id: CONNECT_CALLBACK,
    // Where the submission should be acknowledged (channel of the command).
    private_metadata: JSON.stringify({
      provider: plan.provider.id,
      channelId,
      ...(reconnecting ? { reconnect: reconnecting } : {}),
    }),
    title: {
      type: 'plain_text',
      text: clip(`${reconnecting ? 'Reconnect' : 'Connect'} ${plan.provider.displayName}`, 24),
    },
    // A link page that repairs a login has nothing to submit: the page's result updates this modal.
    ...(reconnecting && plan.kind === 'link'
      ? { close: { type: 'plain_text' as const, text: 'Close' } }
      : {
          submit: {
            type: 'plain_text' as const,
            text: reconnecting ? 'Verify & Reconnect' : 'Verify & Connect',
          },
          close: { type: 'plain_text' as const, text: 'Cancel' },
        }),
    blocks: [
      section(safe(plan.text)),
      ...(plan.kind === 'link'
        ? [
            actions([
              button(plan.buttonLabel, 'connect_open_link', 'open', { url: plan.url, style: 'primary' }),
            ]),
            context(safe(plan.instructions)),
          ]
        : []),
      nameBlock,
      ...plan.fields.map((field) => ({
        type: 'input' as const,
        block_id: fieldBlockId(field.key),
        optional: field.optional ?? false,
        label: { type: 'plain_text' as const, text: clip(field.label, 2000) },
        ...(field.hint ? { hint: { type: 'plain_text' as const, text: clip(field.hint, 2000) } } : {}),
        element: {
          type: 'plain_text_input' as const,
          action_id: 'value',
          ...(initial[field.key] ? { initial_value: clip(initial[field.key]!, 3000) } : {}),
          ...(field.placeholder
            ? { placeholder: { type: 'plain_text' as const, text: clip(field.placeholder, 150) } }
            : {}),
        },
      })),
      context(
        ':lock: Credentials are verified with the provider before anything is saved, then stored encrypted.',
      ),
    ],
  };
}

export function providerPickerModal(
  providers: readonly ProviderOption[],
  channelId: string | null,
): ModalView {
  return {
    type: 'modal',
    callback_id: PICKER_CALLBACK,
    private_metadata: JSON.stringify({ channelId }),
    title: { type: 'plain_text', text: 'Connect a System' },
    submit: { type: 'plain_text', text: 'Next' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [
      {
        type: 'input',
        block_id: 'provider',
        label: { type: 'plain_text', text: 'Which system?' },
        element: {
          type: 'static_select',
          action_id: 'value',
          options: providers.slice(0, 100).map((p) => ({
            text: { type: 'plain_text', text: clip(p.displayName, 75) },
            description: { type: 'plain_text', text: clip(p.description, 75) },
            value: p.id,
          })),
        },
      },
    ],
  };
}

export function reconnectedMessageText(name: string, accountLabel: string): string {
  return `:white_check_mark: Reconnected \`${safe(name, 40)}\` (${safe(accountLabel, 200)}) with new credentials; its history, schedule and subscriptions are kept. Sync it now with \`/finsync sync ${safe(name, 40)}\`.`;
}

export function connectedMessageText(name: string, providerName: string, accountLabel: string): string {
  return `:white_check_mark: Connected *${safe(providerName, 40)}* as \`${safe(name, 40)}\` (${safe(accountLabel, 200)}). Sync it with \`/finsync sync ${safe(name, 40)}\`.`;
}

/** A consent plan's answer: the sign-in button, bound to the person who asked. */
export function consentMessage(plan: ConsentPlan): SlackMessage {
  return {
    text: plan.reconnecting
      ? `Reconnect ${plan.reconnecting}: open the ${plan.provider.displayName} consent page and choose the same company`
      : `Connect ${plan.provider.displayName}: open the consent page to let finsync read it`,
    blocks: [
      section(`:link: ${safe(plan.text, 500)}`),
      actions([button(plan.buttonLabel, 'connect_open_oauth', 'open', { url: plan.url, style: 'primary' })]),
      context(
        `The link is yours alone, works once and expires in 15 minutes. finsync tells you when ${safe(plan.provider.displayName, 40)} is ${plan.reconnecting ? 'reconnected' : 'connected'}.`,
      ),
    ],
  };
}

/** The same answer in a modal (the Home picker, which has no channel to answer in). */
export function consentModal(plan: ConsentPlan): ModalView {
  return noticeModal(
    `${plan.reconnecting ? 'Reconnect' : 'Connect'} ${plan.provider.displayName}`,
    consentMessage(plan),
  );
}
