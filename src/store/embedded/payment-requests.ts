/**
 * Payment requests (ports/payment-requests.ts) in the embedded SQLite database: the request as a JSON
 * document beside the columns queries need. `transition` re-reads and writes in one IMMEDIATE transaction
 * (SQLite's write lock is taken before the read), so of two processes moving one request only one finds it
 * in a state it may leave.
 */
import type {
  PaymentRequest,
  PaymentRequestPatch,
  PaymentRequestQuery,
  PaymentRequestState,
  PaymentRequestStore,
} from '../ports/payment-requests.ts';
import type { SqliteDatabase } from '../sqlite.ts';

export const PAYMENT_REQUESTS_MIGRATION = `CREATE TABLE payment_requests (
     id TEXT PRIMARY KEY, state TEXT NOT NULL, link_id TEXT, created_at TEXT NOT NULL, doc TEXT NOT NULL
   );
   CREATE INDEX payment_requests_by_link ON payment_requests (link_id);
   CREATE INDEX payment_requests_by_time ON payment_requests (created_at);`;

interface Row {
  doc: string;
}

const parse = (row: Row | undefined): PaymentRequest | undefined =>
  row ? (JSON.parse(row.doc) as PaymentRequest) : undefined;

export class SqlitePaymentRequests implements PaymentRequestStore {
  private readonly statements;

  constructor(private readonly db: SqliteDatabase) {
    this.statements = {
      insert: db.prepare<[string, string, string | null, string, string]>(
        'INSERT INTO payment_requests (id, state, link_id, created_at, doc) VALUES (?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING',
      ),
      get: db.prepare<[string], Row>('SELECT doc FROM payment_requests WHERE id = ?'),
      byLink: db.prepare<[string], Row>('SELECT doc FROM payment_requests WHERE link_id = ?'),
      list: db.prepare<[number], Row>(
        'SELECT doc FROM payment_requests ORDER BY created_at DESC, id DESC LIMIT ?',
      ),
      update: db.prepare<[string, string | null, string, string]>(
        'UPDATE payment_requests SET state = ?, link_id = ?, doc = ? WHERE id = ?',
      ),
    };
  }

  async create(request: PaymentRequest): Promise<{ created: boolean; request: PaymentRequest }> {
    const { changes } = this.statements.insert.run(
      request.id,
      request.state,
      request.linkId,
      request.createdAt,
      JSON.stringify(request),
    );
    return {
      created: changes === 1,
      request: changes === 1 ? request : parse(this.statements.get.get(request.id))!,
    };
  }

  async get(id: string): Promise<PaymentRequest | undefined> {
    return parse(this.statements.get.get(id));
  }

  async findByLink(linkId: string): Promise<PaymentRequest | undefined> {
    return parse(this.statements.byLink.get(linkId));
  }

  async list(query: PaymentRequestQuery): Promise<readonly PaymentRequest[]> {
    // States are few and the list is short: filter after the newest-first read, keep the query one plan.
    const wanted = query.states ? new Set(query.states) : undefined;
    const out: PaymentRequest[] = [];
    for (const row of this.statements.list.iterate(wanted ? Number.MAX_SAFE_INTEGER : query.limit)) {
      const request = parse(row)!;
      if (wanted && !wanted.has(request.state)) continue;
      out.push(request);
      if (out.length >= query.limit) break;
    }
    return out;
  }

  async transition(
    id: string,
    from: readonly PaymentRequestState[],
    to: PaymentRequestState,
    patch: PaymentRequestPatch = {},
  ): Promise<PaymentRequest | null> {
    return this.db
      .transaction((): PaymentRequest | null => {
        const current = parse(this.statements.get.get(id));
        if (!current || !from.includes(current.state)) return null;
        const next: PaymentRequest = { ...current, ...patch, state: to };
        this.statements.update.run(to, next.linkId, JSON.stringify(next), id);
        return next;
      })
      .immediate();
  }
}
