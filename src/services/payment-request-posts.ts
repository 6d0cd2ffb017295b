/**
 * What a payment request says in Slack, all through the outbox (one message per key, ever): the request's
 * living message (`payment:<id>`), its edits and thread replies per state, and the approval messages.
 */
import {
  paymentApprovalMessage,
  paymentDecisionMessage,
  paymentFailedReply,
  paymentRequestMessage,
  sharedRequestMessage,
} from '../messages/payment-request.ts';
import type { Outbox } from '../notify/outbox.ts';
import type { PaymentRequest } from '../store/ports/payment-requests.ts';

interface Said {
  readonly text: string;
  readonly blocks: unknown[];
}

/** A request whose message lives in a DM (its channel is the requester's user id). */
export const livesInDm = (request: Pick<PaymentRequest, 'channel'>): boolean => /^[UW]/.test(request.channel);

export class PaymentRequestPosts {
  constructor(
    private readonly outbox: Pick<Outbox, 'enqueue'>,
    /** FINSYNC_ADMINS: asked by DM to approve a request that lives in a DM. */
    private readonly admins: readonly string[],
  ) {}

  /** The request's living message: posted once, then edited in place for each state. */
  async post(request: PaymentRequest): Promise<void> {
    const message = paymentRequestMessage(request);
    await this.outbox.enqueue({
      key: `payment:${request.id}`,
      channel: request.channel,
      method: 'chat.postMessage',
      args: { text: message.text, blocks: message.blocks, unfurl_links: false },
    });
  }

  /** A copy of the request in another channel (Share in Channel), once per channel. */
  async share(request: PaymentRequest, channel: string, sharedBy: string): Promise<void> {
    const message = sharedRequestMessage(request, sharedBy);
    await this.outbox.enqueue({
      key: `payment:${request.id}:share:${channel}`,
      channel,
      method: 'chat.postMessage',
      args: { text: message.text, blocks: message.blocks, unfurl_links: false },
    });
  }

  /** One reply in the request's thread (`payment:<id>:reply:<key>`), once. */
  async reply(request: PaymentRequest, said: Said, key: string): Promise<void> {
    const parent = `payment:${request.id}`;
    await this.outbox.enqueue({
      key: `${parent}:reply:${key}`,
      channel: request.channel,
      method: 'chat.postMessage',
      args: {
        channel: { fromKey: parent, field: 'channel' },
        thread_ts: { fromKey: parent },
        text: said.text,
        blocks: said.blocks,
      },
    });
  }

  /** A state change: the living message edited, and one reply in its thread (each once, by key). */
  async announce(request: PaymentRequest, said: Said, key: string): Promise<void> {
    const message = paymentRequestMessage(request);
    const parent = `payment:${request.id}`;
    await this.outbox.enqueue({
      key: `${parent}:update:${request.state}`,
      channel: request.channel,
      method: 'chat.update',
      args: {
        channel: { fromKey: parent, field: 'channel' },
        ts: { fromKey: parent },
        text: message.text,
        blocks: message.blocks,
      },
    });
    await this.reply(request, said, key);
  }

  async failedAttempt(request: PaymentRequest, sessionId: string, at: string): Promise<void> {
    await this.reply(request, paymentFailedReply(request, at), `failed:${sessionId}`);
  }

  /** Whether someone besides the requester will see the approval request. */
  canAskApproval(channel: string, requester: string): boolean {
    return !livesInDm({ channel }) || this.admins.some((admin) => admin !== requester);
  }

  /**
   * Where a request above the limit is shown for approval: its channel, where the other admins are; or, for a
   * request living in the requester's DM, a DM to every other admin named in FINSYNC_ADMINS.
   */
  private approvalTargets(request: PaymentRequest): { key: string; lane: string }[] {
    const base = `payment:${request.id}:approval`;
    if (!livesInDm(request)) return [{ key: base, lane: request.channel }];
    return this.admins
      .filter((admin) => admin !== request.requestedBy)
      .map((admin) => ({ key: `${base}:${admin}`, lane: admin }));
  }

  async askApproval(request: PaymentRequest, limit: number): Promise<void> {
    const message = paymentApprovalMessage(request, limit);
    for (const target of this.approvalTargets(request))
      await this.outbox.enqueue({
        key: target.key,
        channel: target.lane,
        method: 'chat.postMessage',
        args: { text: message.text, blocks: message.blocks },
      });
  }

  /** Every copy of the approval message edited: who decided, no buttons. */
  async decided(request: PaymentRequest): Promise<void> {
    const message = paymentDecisionMessage(request);
    for (const target of this.approvalTargets(request))
      await this.outbox.enqueue({
        key: `${target.key}:decided`,
        channel: target.lane,
        method: 'chat.update',
        args: {
          channel: { fromKey: target.key, field: 'channel' },
          ts: { fromKey: target.key },
          text: message.text,
          blocks: message.blocks,
        },
      });
  }
}
