/**
 * Which business a connection is. One Sage user may reach several businesses (`GET /businesses`), and every
 * call names one in `X-Business`. The connection is bound to one at connect and keeps it: its id is the
 * connection's account id, so the same business cannot be connected twice and a reconnect must reach it again.
 *
 * The choice is the person's: after consent, a user who reaches several businesses is asked which one this
 * connection syncs (the hand-off's choice page, src/services/connect-handoff.ts, lists them through
 * connect.ts), and the chosen id arrives here as `business_id`. A reconnect brings the connection's own
 * business the same way. A user with one business gets it without a question. Credentials naming no business
 * while the user reaches several are refused rather than bound to a business nobody chose.
 */
import { AuthError, UserInputError } from '../../src/errors.ts';
import type { SageClient, SageObject } from './client.ts';

export interface SageBusiness {
  readonly id: string;
  readonly name: string;
}

export interface BusinessChoice {
  readonly chosen: SageBusiness;
  readonly others: readonly SageBusiness[];
}

export async function listBusinesses(client: SageClient): Promise<readonly SageBusiness[]> {
  const found: SageBusiness[] = [];
  for await (const page of client.pages('/businesses', { items_per_page: '200' }))
    for (const item of page.items) {
      const business = asBusiness(item);
      if (business) found.push(business);
    }
  return found;
}

export async function chooseBusiness(
  client: SageClient,
  wanted: { readonly id: string; readonly name?: string } | undefined,
): Promise<BusinessChoice> {
  const all = await listBusinesses(client);
  if (all.length === 0)
    throw new AuthError(
      'This Sage user reaches no business: sign in with a user of the business to connect.',
    );
  const names = (list: readonly SageBusiness[]) => list.map((b) => `${b.name} (${b.id})`).join(', ');
  if (wanted) {
    const chosen = all.find((b) => b.id === wanted.id);
    if (!chosen) {
      const connected = wanted.name ?? wanted.id;
      throw new AuthError(
        `This Sage sign-in reaches ${names(all)}, not ${connected}, the business this connection syncs: sign in with a user of ${connected}, or connect the other business with /finsync connect sage.`,
      );
    }
    return { chosen, others: all.filter((b) => b !== chosen) };
  }
  if (all.length > 1)
    throw new UserInputError(
      `This Sage user reaches several businesses (${names(all)}) and none was chosen: connect with /finsync connect sage and choose one after signing in.`,
    );
  return { chosen: all[0]!, others: [] };
}

function asBusiness(item: SageObject | undefined): SageBusiness | null {
  const id = typeof item?.['id'] === 'string' ? item['id'] : '';
  if (!/^[A-Za-z0-9-]{1,64}$/.test(id)) return null;
  const name = typeof item?.['displayed_as'] === 'string' ? item['displayed_as'] : id;
  return { id, name: name || id };
}
