/** The connect flow's views: the provider picker and the credentials modal built from a connector's fields. */
import type { CredentialField } from '../../connectors/types.ts';
import { actions, button, clip, context, type ModalView, safe, section } from './blocks.ts';

export const CONNECT_CALLBACK = 'connect_submit';
export const PICKER_CALLBACK = 'connect_pick_provider';
export const NAME_BLOCK = 'connection_name';

export interface ProviderOption {
  readonly id: string;
  readonly displayName: string;
  readonly description: string;
}

export interface ConnectModalInput {
  readonly provider: ProviderOption;
  readonly fields: readonly CredentialField[];
  readonly proposedName: string;
  /** Where the submission should be acknowledged (channel of the command), kept in private_metadata. */
  readonly channelId: string | null;
  /** Extra notes a provider needs. */
  readonly note?: string;
  /** A browser hand-off (Plaid Link): shown as a URL button above the fields. */
  readonly linkUrl?: string;
}

export function fieldBlockId(key: string): string {
  return `cred_${key}`;
}

export function connectModal(input: ConnectModalInput): ModalView {
  return {
    type: 'modal',
    callback_id: CONNECT_CALLBACK,
    private_metadata: JSON.stringify({ provider: input.provider.id, channelId: input.channelId }),
    title: { type: 'plain_text', text: clip(`Connect ${input.provider.displayName}`, 24) },
    submit: { type: 'plain_text', text: 'Verify & Connect' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [
      section(safe(input.provider.description)),
      ...(input.note ? [context(input.note)] : []),
      ...(input.linkUrl
        ? [
            actions([
              button(`Open ${input.provider.displayName} Link`, 'connect_open_link', 'open', {
                url: input.linkUrl,
                style: 'primary',
              }),
            ]),
            context(
              'Log in to your bank in the page that opens; this form updates itself when it is done. Or paste a public token below.',
            ),
          ]
        : []),
      {
        type: 'input',
        block_id: NAME_BLOCK,
        label: { type: 'plain_text', text: 'Connection name' },
        hint: {
          type: 'plain_text',
          text: 'Short name used in commands, e.g. /finsync sync stripe. Lower case, digits, - and _.',
        },
        element: {
          type: 'plain_text_input',
          action_id: 'value',
          initial_value: input.proposedName,
          max_length: 40,
        },
      },
      ...input.fields.map((field) => ({
        type: 'input' as const,
        block_id: fieldBlockId(field.key),
        optional: field.optional ?? false,
        label: { type: 'plain_text' as const, text: clip(field.label, 2000) },
        ...(field.hint ? { hint: { type: 'plain_text' as const, text: clip(field.hint, 2000) } } : {}),
        element: {
          type: 'plain_text_input' as const,
          action_id: 'value',
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

export function connectedMessageText(name: string, providerName: string, accountLabel: string): string {
  return `:white_check_mark: Connected *${safe(providerName, 40)}* as \`${safe(name, 40)}\` (${safe(accountLabel, 200)}). Sync it with \`/finsync sync ${safe(name, 40)}\`.`;
}

/** The answer to `connect <provider>` for providers that connect by OAuth (QuickBooks). */
export function oauthConnectMessage(
  displayName: string,
  url: string,
): { text: string; blocks: ReturnType<typeof section>[] } {
  return {
    text: `Connect ${displayName}: open the consent page to let finsync read your books`,
    blocks: [
      section(
        `:link: Connect *${safe(displayName, 40)}*: sign in to Intuit and choose the company finsync may read.`,
      ),
      actions([button(`Connect ${displayName}`, 'connect_open_oauth', 'open', { url, style: 'primary' })]),
      context(
        'The link is yours alone, works once and expires in 15 minutes. finsync tells you here when the company is connected.',
      ),
    ],
  };
}
