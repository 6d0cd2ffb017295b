/**
 * The emulator's Accounting API v3.1 routes, under `/v3.1`: `GET /businesses`, `/businesses/lead`,
 * `/financial_settings`, and the list endpoints of every resource finsync reads, in Sage's `$items` envelope
 * (`$total`, `$page`, `$next`, `$back`, `$itemsPerPage`). Lists honour `page`, `items_per_page` (1–200; more is
 * refused with Sage's error array), `attributes=all` (otherwise only `id`, `displayed_as`, `$path`, as Sage
 * answers), `updated_or_created_since` (inclusive) and `deleted_since` (exclusive; ledger_accounts has none).
 * `X-Business` picks the business (absent: the user's lead business); one the user does not reach answers 403
 * `MultiUserAccessDenied`.
 */
import type { BusinessData, Resource, SageWireObject } from './emulator-data.ts';
import { RESOURCES } from './emulator-data.ts';
import { type Reply, sageError } from './emulator-wire.ts';

const MAX_PER_PAGE = 200;
const WITHOUT_DELETED_SINCE: ReadonlySet<Resource> = new Set(['ledger_accounts']);

export interface ApiRequest {
  readonly path: string;
  readonly query: URLSearchParams;
  readonly user: string;
  readonly businessHeader: string | undefined;
}

export interface ApiWorld {
  /** The businesses a user reaches, lead first. */
  businessesOf(user: string): readonly BusinessData[];
}

export function routeApi(world: ApiWorld, request: ApiRequest): Reply {
  const reachable = world.businessesOf(request.user);
  const path = request.path.replace(/^\/v3\.1/, '');
  if (path === '/businesses')
    return {
      status: 200,
      body: envelope(
        reachable.map(businessJson),
        reachable.length,
        1,
        reachable.length,
        '/businesses',
        request.query,
      ),
    };
  if (path === '/businesses/lead') {
    const lead = reachable[0];
    return lead
      ? { status: 200, body: businessJson(lead) }
      : sageError(404, 'RecordNotFound', 'No lead business');
  }
  const business = request.businessHeader
    ? reachable.find((b) => b.id === request.businessHeader)
    : reachable[0];
  if (!business)
    return sageError(403, 'MultiUserAccessDenied', 'You do not have access to this business.', 'X-Business');
  if (path === '/financial_settings')
    return {
      status: 200,
      body: {
        base_currency: { id: business.spec.baseCurrency, displayed_as: business.spec.baseCurrency },
        $path: '/financial_settings',
      },
    };
  const resource = RESOURCES.find((r) => `/${r}` === path);
  if (!resource) return sageError(404, 'RecordNotFound', `No route for ${path.slice(0, 60)}`);
  return list(business, resource, request.query);
}

function list(business: BusinessData, resource: Resource, query: URLSearchParams): Reply {
  const perPage = Number(query.get('items_per_page') ?? '20');
  const page = Number(query.get('page') ?? '1');
  if (!Number.isInteger(perPage) || perPage < 1 || perPage > MAX_PER_PAGE)
    return sageError(
      422,
      'RecordInvalid',
      `items_per_page must be between 1 and ${MAX_PER_PAGE}`,
      'items_per_page',
    );
  if (!Number.isInteger(page) || page < 1)
    return sageError(422, 'RecordInvalid', 'page must be 1 or more', 'page');
  const deletedSince = query.get('deleted_since');
  if (deletedSince !== null) {
    if (WITHOUT_DELETED_SINCE.has(resource))
      return sageError(422, 'UnknownParameter', 'deleted_since is not supported here', 'deleted_since');
    const since = Date.parse(deletedSince);
    if (Number.isNaN(since))
      return sageError(422, 'RecordInvalid', 'deleted_since is not a date', 'deleted_since');
    const gone = business.deletions(resource).filter((d) => Date.parse(d.deleted_at) > since);
    const slice = gone.slice((page - 1) * perPage, page * perPage);
    return {
      status: 200,
      body: envelope(
        slice.map((d) => ({ ...d, $path: `/${resource}/${d.id}` })),
        gone.length,
        page,
        perPage,
        `/${resource}`,
        query,
      ),
    };
  }
  let objects: readonly SageWireObject[] = business.objects(resource);
  const updatedSince = query.get('updated_or_created_since');
  if (updatedSince !== null) {
    const since = Date.parse(updatedSince);
    if (Number.isNaN(since))
      return sageError(
        422,
        'RecordInvalid',
        'updated_or_created_since is not a date',
        'updated_or_created_since',
      );
    // Objects are kept in updated_at order: the changed ones are a tail (inclusive of `since`).
    let low = 0;
    let high = objects.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (Date.parse(objects[mid]!.updated_at) < since) low = mid + 1;
      else high = mid;
    }
    objects = objects.slice(low);
  }
  const all = query.get('attributes') === 'all';
  const slice = objects.slice((page - 1) * perPage, page * perPage);
  const items = all
    ? slice
    : slice.map((o) => ({ id: o.id, displayed_as: o['displayed_as'], $path: o['$path'] }));
  return { status: 200, body: envelope(items, objects.length, page, perPage, `/${resource}`, query) };
}

function envelope(
  items: readonly unknown[],
  total: number,
  page: number,
  perPage: number,
  path: string,
  query: URLSearchParams,
): Record<string, unknown> {
  const link = (to: number) => {
    const q = new URLSearchParams(query);
    q.set('page', String(to));
    return `${path}?${q.toString()}`;
  };
  return {
    $total: total,
    $page: page,
    $next: page * perPage < total ? link(page + 1) : null,
    $back: page > 1 ? link(page - 1) : null,
    $itemsPerPage: perPage,
    $items: items,
  };
}

function businessJson(business: BusinessData): Record<string, unknown> {
  return { id: business.id, displayed_as: business.spec.name, $path: `/businesses/${business.id}` };
}
