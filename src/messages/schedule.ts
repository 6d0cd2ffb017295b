/** The Home tab's Schedule form: one text field in the `schedule` grammar. */
import { clip, context, type ModalView, safe, section } from './blocks.ts';

export const SCHEDULE_CALLBACK = 'schedule_submit';
export const SCHEDULE_BLOCK = 'schedule';

export function scheduleModal(input: {
  connection: string;
  current: string | null;
  timezone: string;
}): ModalView {
  return {
    type: 'modal',
    callback_id: SCHEDULE_CALLBACK,
    private_metadata: JSON.stringify({ connection: input.connection }),
    title: { type: 'plain_text', text: clip(`Schedule ${input.connection}`, 24) },
    submit: { type: 'plain_text', text: 'Save' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [
      section(
        `When should *${safe(input.connection, 40)}* sync? Times are in the team timezone, ${safe(input.timezone, 60)}.`,
      ),
      {
        type: 'input',
        block_id: SCHEDULE_BLOCK,
        label: { type: 'plain_text', text: 'Schedule' },
        hint: {
          type: 'plain_text',
          text: 'hourly · daily 02:00 · every 30 minutes · every 6 hours · cron "0 */4 * * *" · off',
        },
        element: {
          type: 'plain_text_input',
          action_id: 'value',
          ...(input.current ? { initial_value: input.current } : {}),
        },
      },
      context('A schedule of `off` keeps the connection for manual syncs only.'),
    ],
  };
}
