/**
 * The emulator's v3 API: bearer-token checks, CompanyInfo, Preferences, the query language and Change Data
 * Capture. The query language is the subset of Intuit's SQL-like query the connector and tests use (`SELECT * | COUNT(*) FROM <Entity> [WHERE a op v [AND …]] [ORDERBY f [ASC|DESC]]
 * [STARTPOSITION n] [MAXRESULTS m]`) and `cdc?entities=…&changedSince=…` with deleted entities.
 */
import type { IncomingMessage } from 'node:http';
import type { RealmData } from './emulator-data.ts';
import { companyInfoJson, deletedJson, entityJson, preferencesJson } from './emulator-entities.ts';
import type { OAuthServer } from './emulator-oauth.ts';
import { ENTITY_NAMES, type EntityName, type EntityState } from './emulator-types.ts';
import {
  authenticationFault,
  authorizationFault,
  intuitTime,
  type Reply,
  ReplyError,
  validationFault,
} from './emulator-wire.ts';

/** Intuit's ceilings: 1000 entities per query page and per CDC entity, CDC at most 30 days back. */
export const MAX_RESULTS = 1000;
export const DEFAULT_MAX_RESULTS = 100;
export const CDC_MAX_AGE_MS = 30 * 86_400_000;

type Value = string | number | boolean;
interface Condition {
  readonly field: string;
  readonly op: string;
  readonly values: readonly Value[];
}

const FIELDS: Readonly<Record<string, (s: EntityState) => Value>> = {
  id: (s) => Number(s.id),
  active: (s) => ('active' in s ? s.active : true),
  'metadata.lastupdatedtime': (s) => s.updatedAt,
  'metadata.createtime': (s) => s.createdAt,
  txndate: (s) => ('txnDate' in s ? s.txnDate : ''),
};
const TIME_FIELDS = new Set(['metadata.lastupdatedtime', 'metadata.createtime']);

function parseError(detail: string, nowMs: number): ReplyError {
  return new ReplyError(validationFault('Error parsing query', `QueryParserError: ${detail}`, '4000', nowMs));
}

function tokenize(text: string, nowMs: number): string[] {
  const tokens: string[] = [];
  const pattern = /\s*('(?:\\.|[^'\\])*'|<=|>=|!=|[=<>(),*]|[A-Za-z_][\w.]*|-?\d+(?:\.\d+)?)/y;
  let at = 0;
  while (at < text.length) {
    if (/^\s*$/.test(text.slice(at))) break;
    pattern.lastIndex = at;
    const match = pattern.exec(text);
    if (!match)
      throw parseError(`Encountered "${text.slice(at, at + 20).trim()}" at column ${at + 1}`, nowMs);
    tokens.push(match[1]!);
    at = pattern.lastIndex;
  }
  return tokens;
}

function literal(token: string | undefined, nowMs: number): Value {
  if (token === undefined) throw parseError('Unexpected end of query', nowMs);
  if (token.startsWith("'")) return token.slice(1, -1).replace(/\\'/g, "'");
  if (/^(true|false)$/i.test(token)) return token.toLowerCase() === 'true';
  if (/^-?\d/.test(token)) return Number(token);
  throw parseError(`Encountered "${token}": expected a value`, nowMs);
}

interface ParsedQuery {
  readonly entity: EntityName;
  readonly count: boolean;
  readonly where: readonly Condition[];
  readonly orderBy: { readonly field: string; readonly desc: boolean } | null;
  readonly start: number;
  readonly max: number;
}

export function parseQuery(text: string, nowMs: number): ParsedQuery {
  const t = tokenize(text, nowMs);
  let i = 0;
  const word = () => t[i]?.toLowerCase();
  const expect = (w: string) => {
    if (word() !== w) throw parseError(`Encountered "${t[i] ?? '<EOF>'}", was expecting "${w}"`, nowMs);
    i++;
  };
  expect('select');
  let count = false;
  if (word() === 'count') {
    count = true;
    i++;
    expect('(');
    expect('*');
    expect(')');
  } else expect('*');
  expect('from');
  const entity = ENTITY_NAMES.find((e) => e.toLowerCase() === word());
  if (!entity) throw parseError(`Unsupported entity "${t[i] ?? ''}"`, nowMs);
  i++;
  const where: Condition[] = [];
  if (word() === 'where') {
    do {
      i++;
      const field = word() ?? '';
      if (!FIELDS[field]) throw parseError(`property '${t[i] ?? ''}' is not queryable`, nowMs);
      i++;
      const op = word() ?? '';
      i++;
      if (op === 'in') {
        expect('(');
        const values: Value[] = [literal(t[i++], nowMs)];
        while (word() === ',') {
          values.push(literal(t[i + 1], nowMs));
          i += 2;
        }
        expect(')');
        where.push({ field, op, values });
      } else if (['=', '<', '>', '<=', '>='].includes(op)) {
        where.push({ field, op, values: [literal(t[i++], nowMs)] });
      } else throw parseError(`Encountered "${op}", was expecting an operator`, nowMs);
    } while (word() === 'and');
  }
  let orderBy: ParsedQuery['orderBy'] = null;
  if (word() === 'orderby') {
    i++;
    const field = word() ?? '';
    if (!FIELDS[field]) throw parseError(`property '${t[i] ?? ''}' cannot be sorted`, nowMs);
    i++;
    const desc = word() === 'desc';
    if (word() === 'asc' || word() === 'desc') i++;
    orderBy = { field, desc };
  }
  let start = 1;
  let max = DEFAULT_MAX_RESULTS;
  if (word() === 'startposition') {
    start = Number(literal(t[i + 1], nowMs)) || 1;
    i += 2;
  }
  if (word() === 'maxresults') {
    max = Number(literal(t[i + 1], nowMs)) || DEFAULT_MAX_RESULTS;
    i += 2;
  }
  if (i < t.length) throw parseError(`Encountered "${t[i]}" after the end of the query`, nowMs);
  return { entity, count, where, orderBy, start: Math.max(1, start), max: Math.min(MAX_RESULTS, max) };
}

function matches(state: EntityState, condition: Condition, nowMs: number): boolean {
  const actual = FIELDS[condition.field]!(state);
  const wanted = condition.values.map((v) => {
    if (!TIME_FIELDS.has(condition.field)) return condition.field === 'id' ? Number(v) : v;
    const ms = Date.parse(String(v));
    if (Number.isNaN(ms)) throw parseError(`"${String(v)}" is not a date time`, nowMs);
    return ms;
  });
  const first = wanted[0]!;
  switch (condition.op) {
    case 'in':
      return wanted.includes(actual);
    case '=':
      return actual === first;
    case '<':
      return actual < first;
    case '>':
      return actual > first;
    case '<=':
      return actual <= first;
    default:
      return actual >= first;
  }
}

export function runQuery(realm: RealmData, text: string, nowMs: number): Reply {
  const q = parseQuery(text, nowMs);
  // Like QuickBooks, a customer query without a condition on Active returns active customers only.
  const conditions =
    q.entity === 'Customer' && !q.where.some((c) => c.field === 'active')
      ? [...q.where, { field: 'active', op: '=', values: [true] }]
      : q.where;
  let rows = realm.list(q.entity).filter((s) => conditions.every((c) => matches(s, c, nowMs)));
  const time = intuitTime(nowMs, true);
  if (q.count) return { status: 200, body: { QueryResponse: { totalCount: rows.length }, time } };
  // Entities are held in id order already: only other orders need a sort.
  if (q.orderBy && !(q.orderBy.field === 'id' && !q.orderBy.desc)) {
    const key = FIELDS[q.orderBy.field]!;
    const sign = q.orderBy.desc ? -1 : 1;
    rows = [...rows].sort((a, b) => (key(a) < key(b) ? -sign : key(a) > key(b) ? sign : 0));
  }
  const page = rows.slice(q.start - 1, q.start - 1 + q.max);
  // QuickBooks answers an empty page with an empty QueryResponse object.
  const body =
    page.length === 0
      ? { QueryResponse: {}, time }
      : {
          QueryResponse: {
            [q.entity]: page.map((s) => entityJson(realm, q.entity, s)),
            startPosition: q.start,
            maxResults: page.length,
          },
          time,
        };
  return { status: 200, body };
}

export function runCdc(realm: RealmData, params: URLSearchParams, nowMs: number): Reply {
  const names = (params.get('entities') ?? '').split(',').filter((n) => n.trim() !== '');
  const entities = names.map((name) => {
    const entity = ENTITY_NAMES.find((e) => e.toLowerCase() === name.trim().toLowerCase());
    if (!entity) {
      throw new ReplyError(
        validationFault('Invalid entity', `Entity ${name} is not supported by CDC`, '2030', nowMs),
      );
    }
    return entity;
  });
  if (entities.length === 0) {
    throw new ReplyError(validationFault('Required param missing', 'entities is required', '2020', nowMs));
  }
  const since = Date.parse(params.get('changedSince') ?? '');
  if (Number.isNaN(since)) {
    throw new ReplyError(
      validationFault(
        'Invalid date',
        `changedSince "${params.get('changedSince') ?? ''}" is not a date`,
        '2010',
        nowMs,
      ),
    );
  }
  if (nowMs - since > CDC_MAX_AGE_MS) {
    throw new ReplyError(
      validationFault(
        'Invalid request',
        'changedSince cannot be more than 30 days in the past. Use a query on MetaData.LastUpdatedTime instead.',
        '4001',
        nowMs,
      ),
    );
  }
  const responses = entities.map((entity) => {
    const changed = realm
      .all(entity)
      .filter((s) => (s.deletedAt ?? s.updatedAt) >= since)
      .sort((a, b) => a.updatedAt - b.updatedAt)
      .slice(0, MAX_RESULTS);
    if (changed.length === 0) return {};
    return {
      [entity]: changed.map((s) => (s.deletedAt === null ? entityJson(realm, entity, s) : deletedJson(s))),
      startPosition: 1,
      maxResults: changed.length,
      totalCount: changed.length,
    };
  });
  return {
    status: 200,
    body: { CDCResponse: [{ QueryResponse: responses }], time: intuitTime(nowMs, true) },
  };
}

export interface ApiRequest {
  readonly realm: RealmData | undefined;
  readonly realmId: string;
  /** The path after /v3/company/<realmId>/, lower case. */
  readonly rest: string;
  readonly req: IncomingMessage;
  readonly url: URL;
  readonly oauth: OAuthServer;
  readonly now: number;
  readonly startTime: number;
}

/** One request under /v3/company/<realmId>/, after the limits: the token first, then the resource. */
export function routeApi({ realm, realmId, rest, req, url, oauth, now, startTime }: ApiRequest): Reply {
  const access = oauth.access(req.headers.authorization, realmId);
  if (access === 'missing') return authenticationFault('Authorization header is missing', now);
  if (access === 'expired')
    return authenticationFault('Token expired: the access token is no longer valid', now);
  if (access === 'forbidden' || !realm) return authorizationFault(now);
  if (req.method !== 'GET')
    return validationFault('Unsupported Operation', `${req.method} is not emulated`, '500', now);
  if (rest === 'query') return runQuery(realm, url.searchParams.get('query') ?? '', now);
  if (rest === 'cdc') return runCdc(realm, url.searchParams, now);
  const time = intuitTime(now, true);
  if (rest === `companyinfo/${realmId}`) {
    return { status: 200, body: { CompanyInfo: companyInfoJson(realm, startTime), time } };
  }
  if (rest === 'preferences')
    return { status: 200, body: { Preferences: preferencesJson(realm, startTime), time } };
  return validationFault('Unsupported Operation', `Operation ${rest} is not supported.`, '500', now);
}
