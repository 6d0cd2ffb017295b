/**
 * Which business a connection is. One Sage user may reach several businesses (`GET /businesses`), and every
 * call names one in `X-Business`. The connection is bound to one at connect and keeps it: its id is the
 * connection's account id, so the same business cannot be connected twice and a reconnect must reach it again.
 *
 * The choice: a business already named in the credentials (a re-check) stays; a user with one business gets
 * it; a user with several gets the business Sage itself routes calls to when no X-Business is sent, its lead
 * business (`GET /businesses/lead`, Sage's "Multi Business" guide). The connection's label names it and the
 * others, so a person who meant another one knows at once. Asking instead would need a follow-up step in the
 * OAuth hand-off that holds the exchanged tokens between two requests; finsync's hand-off has none yet.
 */
import { AuthError } from '../../src/errors.ts';
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
  let page = await client.list('/businesses', { items_per_page: '200' });
  for (;;) {
    for (const item of page.items) {
      const business = asBusiness(item);
      if (business) found.push(business);
    }
    if (page.next === null) return found;
    page = await client.list(page.next);
  }
}

export async function chooseBusiness(
  client: SageClient,
  wanted: string | undefined,
): Promise<BusinessChoice> {
  const all = await listBusinesses(client);
  if (all.length === 0)
    throw new AuthError(
      'This Sage user reaches no business: sign in with a user of the business to connect.',
    );
  const pick = (id: string) => all.find((b) => b.id === id);
  let chosen = wanted ? pick(wanted) : all.length === 1 ? all[0] : undefined;
  if (wanted && !chosen)
    throw new AuthError(
      'This Sage user no longer reaches the connected business: sign in with a user who does, or disconnect it.',
    );
  if (!chosen) {
    const lead = asBusiness(await client.object('/businesses/lead'));
    chosen = (lead && pick(lead.id)) ?? all[0]!;
  }
  return { chosen, others: all.filter((b) => b.id !== chosen.id) };
}

function asBusiness(item: SageObject | undefined): SageBusiness | null {
  const id = typeof item?.['id'] === 'string' ? item['id'] : '';
  if (!/^[A-Za-z0-9-]{1,64}$/.test(id)) return null;
  const name = typeof item?.['displayed_as'] === 'string' ? item['displayed_as'] : id;
  return { id, name: name || id };
}
