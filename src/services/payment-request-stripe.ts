/** The Stripe side of a new request: which connection asks, and the stored amount in Stripe's scale. */
import { stripeChecked } from '../commands/payment-amount.ts';
import { UserInputError } from '../errors.ts';
import type { PaymentRequest } from '../store/ports/payment-requests.ts';
import type { Connection, Store } from '../store/types.ts';

/** The Stripe connection named by `via`, or the only one there is; otherwise a sentence saying what to do. */
export async function stripeConnectionNamed(store: Store, via: string | null): Promise<Connection> {
  const stripe = (await store.listConnections()).filter((c) => c.provider === 'stripe');
  if (via !== null) {
    const named = stripe.find((c) => c.name === via);
    if (!named)
      throw new UserInputError(
        `\`${via.slice(0, 40)}\` is not a Stripe connection.${stripe.length ? ` Stripe connections: ${stripe.map((c) => c.name).join(', ')}.` : ''}`,
      );
    return named;
  }
  if (stripe.length === 1) return stripe[0]!;
  if (stripe.length === 0)
    throw new UserInputError(
      'No Stripe account is connected: connect one first with `/finsync connect stripe`.',
    );
  throw new UserInputError(
    `Several Stripe accounts are connected: add \`via <connection>\` (${stripe.map((c) => c.name).join(', ')}).`,
  );
}

/** The stored amount again in Stripe's scale (checked when the request was made; checked again here). */
export function stripeAmountOf(request: PaymentRequest): number {
  const parsed = stripeChecked(request.amount, request.currency);
  if (!parsed.ok) throw new UserInputError(parsed.problem);
  return parsed.amount.stripeAmount;
}
