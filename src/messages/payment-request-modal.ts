/** The Home tab's "Request a Payment" form: the fields of `/finsync request`, and where to post it. */
import { context, type ModalView, safe, section } from './blocks.ts';

export const PAYMENT_REQUEST_CALLBACK = 'payment_request_submit';
export const PAYMENT_SHARE_CALLBACK = 'payment_share_submit';
export const PAYMENT_SHARE_BLOCK = 'payment_share_channel';
export const PAYMENT_FIELDS = {
  amount: 'payment_amount',
  currency: 'payment_currency',
  description: 'payment_description',
  via: 'payment_via',
  channel: 'payment_channel',
} as const;

function textInput(blockId: string, label: string, hint: string, optional = false, multiline = false) {
  return {
    type: 'input' as const,
    block_id: blockId,
    optional,
    label: { type: 'plain_text' as const, text: label },
    hint: { type: 'plain_text' as const, text: hint },
    element: { type: 'plain_text_input' as const, action_id: 'value', multiline },
  };
}

export function paymentRequestModal(): ModalView {
  return {
    type: 'modal',
    callback_id: PAYMENT_REQUEST_CALLBACK,
    title: { type: 'plain_text', text: 'Request a Payment' },
    submit: { type: 'plain_text', text: 'Request' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [
      textInput(
        PAYMENT_FIELDS.amount,
        'Amount',
        '1250 · 1,250.00 · ¥1200 · 12.340 (decimal point, optional thousands commas)',
      ),
      textInput(
        PAYMENT_FIELDS.currency,
        'Currency',
        'ISO code: EUR, USD, JPY, KWD… (may be left out after €, £ or ¥)',
        true,
      ),
      textInput(
        PAYMENT_FIELDS.description,
        'What it is for',
        'Shown to the customer on the payment page, e.g. Invoice 42 for Acme',
      ),
      textInput(
        PAYMENT_FIELDS.via,
        'Stripe connection',
        'Only when several Stripe accounts are connected, e.g. stripe-eu',
        true,
      ),
      {
        type: 'input',
        block_id: PAYMENT_FIELDS.channel,
        optional: true,
        label: { type: 'plain_text', text: 'Post it in' },
        hint: {
          type: 'plain_text',
          text: 'The request, its approval and the reply when it is paid go here; empty: a DM to you.',
        },
        element: {
          type: 'conversations_select',
          action_id: 'value',
          filter: { include: ['public', 'private'], exclude_bot_users: true },
        },
      },
      context('Above the approval limit, a second admin approves before any link exists.'),
    ],
  };
}

/** Share in Channel (a request living in a DM): which channel gets a copy of it. */
export function paymentShareModal(requestId: string, summary: string): ModalView {
  return {
    type: 'modal',
    callback_id: PAYMENT_SHARE_CALLBACK,
    private_metadata: JSON.stringify({ request: requestId }),
    title: { type: 'plain_text', text: 'Share in Channel' },
    submit: { type: 'plain_text', text: 'Share' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [
      section(safe(summary, 500)),
      {
        type: 'input',
        block_id: PAYMENT_SHARE_BLOCK,
        label: { type: 'plain_text', text: 'Channel' },
        element: {
          type: 'conversations_select',
          action_id: 'value',
          filter: { include: ['public', 'private'], exclude_bot_users: true },
        },
      },
      context('The channel sees the link and the amount; the request and its replies stay in your DM.'),
    ],
  };
}
