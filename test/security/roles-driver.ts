/**
 * Drives the real app as a given person for the roles tests: slash commands, Home-tab buttons and the
 * three admin forms (submitted directly, with whatever state the caller crafts), plus what must not change.
 */
import assert from 'node:assert/strict';
import {
  newTriggerId,
  sendBlockAction,
  sendSlashCommand,
  sendViewSubmission,
  stateValue,
} from '../../src/sandbox/slack-requests.ts';
import type { AuditEntry } from '../../src/store/types.ts';
import type { Harness } from '../helpers/app-harness.ts';
import { checkBlockKit } from '../helpers/block-kit.ts';

export async function until(what: string, check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** What the person reads: the blocks when there are any (the top-level text is for notifications). */
export const shown = (message: { text: string; blocks: unknown[] }): string =>
  message.blocks.length > 0 ? JSON.stringify(message.blocks) : message.text;

export function slackAs(h: Harness) {
  let n = 0;
  return {
    /** Everything a refused action must leave untouched (the audit log aside). */
    async snapshot(): Promise<string> {
      const connections = await h.app.store.listConnections();
      const runs = [];
      for (const c of connections) runs.push(...(await h.app.store.listRuns(c.name, 1000)));
      const jobs = (await h.app.core.scheduler.jobs()).map((j) => [
        j.name,
        j.nextRunAt?.toISOString() ?? null,
      ]);
      const records = await h.app.store.countRecords('stripe');
      const stripeRequests = h.stripe.control.requestLog.length;
      return JSON.stringify({ connections, runs, jobs, records, stripeRequests });
    },

    async auditCount(): Promise<number> {
      return (await h.app.store.listAudit(100_000)).length;
    },

    /** The audit entries written since `count` entries existed, oldest first. */
    async auditSince(count: number): Promise<AuditEntry[]> {
      const all = await h.app.store.listAudit(100_000);
      return all.slice(0, all.length - count).reverse();
    },

    /** /finsync TEXT as `userId`: what the person saw (the ack body, or the first response_url post). */
    async command(text: string, userId: string): Promise<{ text: string; blocks: unknown[] }> {
      const id = `roles${++n}`;
      const reply = await sendSlashCommand(h.target, { text, userId, responseUrl: h.slack.responseUrl(id) });
      assert.equal(reply.status, 200, text);
      const body =
        typeof reply.body === 'object' && reply.body !== null && 'text' in reply.body
          ? reply.body
          : (await h.slack.waitForResponse((r) => r.id === id)).body;
      const message = body as { text: string; blocks: unknown[]; response_type?: string };
      assert.deepEqual(checkBlockKit(message, 'message'), [], text);
      assert.notEqual(message.response_type, 'in_channel', 'answers to a person are ephemeral');
      return message;
    },

    /** A Home-tab button click as `userId`: the modal it opened. */
    async homeButton(actionId: string, value: string, userId: string): Promise<string> {
      const triggerId = newTriggerId();
      const reply = await sendBlockAction(h.target, {
        actionId,
        value,
        userId,
        triggerId,
        view: { id: 'VHOME0001', type: 'home' },
      });
      assert.equal(reply.status, 200, actionId);
      const opened = await h.slack.waitForCall('views.open', (c) => c.args['trigger_id'] === triggerId);
      assert.deepEqual(checkBlockKit(opened.args['view'] as never, 'modal'), [], actionId);
      return JSON.stringify(opened.args['view']);
    },

    connectSubmit(userId: string, name: string, apiKey: string) {
      return sendViewSubmission(h.target, {
        callbackId: 'connect_submit',
        userId,
        privateMetadata: JSON.stringify({ provider: 'stripe', channelId: null }),
        values: {
          connection_name: { value: stateValue.text(name) },
          cred_api_key: { value: stateValue.text(apiKey) },
          cred_webhook_secret: { value: stateValue.text(null) },
          cred_backfill_from: { value: stateValue.text(null) },
        },
      });
    },

    disconnectSubmit(userId: string, connection: string, deleteRecords: boolean) {
      return sendViewSubmission(h.target, {
        callbackId: 'disconnect_submit',
        userId,
        privateMetadata: JSON.stringify({ connection, channelId: null }),
        values: { delete_records: { value: stateValue.checkboxes(deleteRecords ? ['delete'] : []) } },
      });
    },

    scheduleSubmit(userId: string, connection: string, text: string) {
      return sendViewSubmission(h.target, {
        callbackId: 'schedule_submit',
        userId,
        privateMetadata: JSON.stringify({ connection }),
        values: { schedule: { value: stateValue.text(text) } },
      });
    },
  };
}
