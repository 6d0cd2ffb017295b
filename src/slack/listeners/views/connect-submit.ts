/**
 * The connect modal's submission. Credentials are verified with the provider before anything is stored.
 * Slack wants an answer within 3 s: a verification that finishes in time answers in the modal itself
 * (field errors keep it open); a slower one turns the modal into "Verifying…" and updates it when done.
 */
import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { integrationFor } from '../../../../connectors/registry.ts';
import { FinsyncError, UserInputError } from '../../../errors.ts';
import { context, safe, section } from '../../../messages/blocks.ts';
import {
  connectedMessageText,
  fieldBlockId,
  NAME_BLOCK,
  reconnectedMessageText,
} from '../../../messages/connect.ts';
import { noticeModal, resultModal } from '../../../messages/notice-modal.ts';
import { settle, withinAckWindow } from '../../ack-window.ts';
import { readMetadata } from '../../private-metadata.ts';
import { errorReply } from '../../reply.ts';
import type { SlackDeps } from '../../slack-deps.ts';

const PROVIDER_CLASSES = new Set(['auth', 'rate_limited', 'transient', 'invalid_request', 'invalid_data']);

type Values = ViewSubmitAction['view']['state']['values'];

function textValue(values: Values, blockId: string): string {
  return values[blockId]?.['value']?.value?.trim() ?? '';
}

export function connectSubmit(deps: SlackDeps) {
  return async ({
    ack,
    body,
    view,
    client,
  }: SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs): Promise<void> => {
    const meta = readMetadata(view.private_metadata);
    const connector = integrationFor(meta.provider ?? '');
    if (!connector)
      return void (await ack({
        response_action: 'errors',
        errors: { [NAME_BLOCK]: 'This form is out of date; open it again.' },
      }));
    if (connector.connect.kind === 'oauth' || connector.credentialFields.length === 0) {
      // OAuth providers have no form to submit: the consent page is the way in.
      return void (await ack({
        response_action: 'errors',
        errors: {
          [NAME_BLOCK]: `${connector.displayName} connects through its consent page: use /finsync connect ${connector.id}.`,
        },
      }));
    }
    const values = view.state.values;
    // A reconnect's form names its connection in the metadata and has no name field.
    const reconnecting = meta.reconnect ?? null;
    const name = reconnecting ?? textValue(values, NAME_BLOCK);
    const nameProblem = reconnecting ? null : await deps.finsync.checkNewName(name);
    if (nameProblem)
      return void (await ack({ response_action: 'errors', errors: { [NAME_BLOCK]: nameProblem } }));
    const input: Record<string, string> = {};
    for (const field of connector.credentialFields)
      input[field.key] = textValue(values, fieldBlockId(field.key));
    // Where the provider's own refusal is shown: the first secret field (the key it rejected).
    const providerField =
      connector.credentialFields.find((f) => f.secret)?.key ?? connector.credentialFields[0]!.key;
    const fieldKeys = new Set(connector.credentialFields.map((f) => f.key));

    const attempt = settle(
      reconnecting
        ? deps.finsync.reconnect({ name, input, actor: body.user.id })
        : deps.finsync.connect({ provider: connector.id, name, input, actor: body.user.id }),
    );
    const quick = await withinAckWindow(attempt);
    const done = (connection: { name: string; accountLabel: string }) =>
      reconnecting
        ? resultModal('Reconnected', reconnectedMessageText(connection.name, connection.accountLabel))
        : resultModal(
            'Connected',
            connectedMessageText(connection.name, connector.displayName, connection.accountLabel),
          );
    // Only what the provider answered is "<Provider> said"; our own refusals (role, name) speak for finsync.
    const fromProvider = (error: unknown) =>
      error instanceof FinsyncError && PROVIDER_CLASSES.has(error.errorClass);
    const failed = (error: unknown): string =>
      fromProvider(error)
        ? `${connector.displayName} said: ${(error as Error).message}`.slice(0, 2000)
        : error instanceof FinsyncError
          ? error.message.slice(0, 2000)
          : errorReply(error, deps.log).text;
    // Every error is shown under the field it is about: a credential check names its field; the provider's
    // refusal belongs to the key it refused; the rest (name, role) to the connection name, or to the key in a
    // reconnect's form, which has no name field.
    const errorBlock = (error: unknown): string => {
      const field = error instanceof UserInputError ? error.field : undefined;
      if (field !== undefined && fieldKeys.has(field)) return fieldBlockId(field);
      return fromProvider(error) || reconnecting ? fieldBlockId(providerField) : NAME_BLOCK;
    };

    if (quick !== null) {
      if (quick.ok) await ack({ response_action: 'update', view: done(quick.value) });
      else
        await ack({ response_action: 'errors', errors: { [errorBlock(quick.error)]: failed(quick.error) } });
    } else {
      await ack({
        response_action: 'update',
        view: {
          ...resultModal('Verifying…', `:hourglass: Checking the credentials with ${connector.displayName}…`),
          close: { type: 'plain_text', text: 'Close' },
        },
      });
      const result = await attempt;
      const viewId = body.view.id;
      const next = result.ok
        ? done(result.value)
        : noticeModal(reconnecting ? 'Not reconnected' : 'Not connected', {
            text: reconnecting ? 'Not reconnected' : 'Not connected',
            blocks: [
              section(`:no_entry: Nothing was saved. ${safe(failed(result.error), 2000)}`),
              context(
                reconnecting
                  ? `Open the form again with \`/finsync reconnect ${safe(reconnecting, 40)}\` to retry.`
                  : 'Open the form again with `/finsync connect` to retry.',
              ),
            ],
          });
      await client.views.update({ view_id: viewId, view: next });
    }
    await deps.publishHome(client, body.user.id);
  };
}
