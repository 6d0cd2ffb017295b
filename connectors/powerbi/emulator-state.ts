/**
 * What the Power BI emulator holds: workspaces (groups), push datasets with their tables, and the rows
 * posted to them, with the checks the service makes on dataset definitions and row values.
 */
import { randomUUID } from 'node:crypto';
import type { RowQuery } from './emulator-dax.ts';
import { DatasetLimiter, type EmulatorLimits } from './emulator-limits.ts';
import { apiError, isObject } from './emulator-wire.ts';

export interface EmulatedGroup {
  readonly id: string;
  readonly name: string;
}

export type EmulatedRow = Readonly<Record<string, unknown>>;

interface Column {
  readonly name: string;
  readonly dataType: string;
}

interface Table {
  readonly name: string;
  readonly columns: readonly Column[];
  readonly rows: EmulatedRow[];
}

export interface EmulatedDataset {
  readonly id: string;
  readonly groupId: string;
  readonly name: string;
  readonly defaultMode: string;
  readonly defaultRetentionPolicy: string;
  readonly createdDate: string;
  readonly tables: Map<string, Table>;
  readonly limiter: DatasetLimiter;
}

/** Push dataset column types, lower-cased (the service accepts any case, and `bool` for Boolean). */
const TYPES = new Map([
  ['int64', 'Int64'],
  ['double', 'Double'],
  ['decimal', 'Decimal'],
  ['boolean', 'Boolean'],
  ['bool', 'Boolean'],
  ['datetime', 'DateTime'],
  ['string', 'String'],
]);

const PUSH_MODES = new Set(['Push', 'PushStreaming']);

const badRequest = (message: string) => apiError(400, 'InvalidRequest', message);

export class Workspaces {
  readonly groups: Map<string, EmulatedGroup>;
  readonly datasets = new Map<string, EmulatedDataset>();

  constructor(
    groups: readonly EmulatedGroup[],
    private readonly limits: EmulatorLimits,
    private readonly now: () => number,
  ) {
    this.groups = new Map(groups.map((g) => [g.id.toLowerCase(), g]));
  }

  group(groupId: string): EmulatedGroup {
    const group = this.groups.get(groupId.toLowerCase());
    if (!group)
      throw apiError(404, 'PowerBIEntityNotFound', `Workspace ${groupId.slice(0, 60)} was not found`);
    return group;
  }

  dataset(groupId: string, datasetId: string): EmulatedDataset {
    this.group(groupId);
    const dataset = this.datasets.get(datasetId.toLowerCase());
    if (!dataset || dataset.groupId !== groupId.toLowerCase()) {
      throw apiError(
        404,
        'ItemNotFound',
        `Dataset ${datasetId.slice(0, 60)} is not found! please verify datasetId is correct and user have sufficient permissions.`,
      );
    }
    return dataset;
  }

  table(dataset: EmulatedDataset, name: string): Table {
    const table = dataset.tables.get(name);
    if (!table)
      throw apiError(
        404,
        'ItemNotFound',
        `Table ${name.slice(0, 100)} was not found in dataset ${dataset.id}`,
      );
    return table;
  }

  inGroup(groupId: string): EmulatedDataset[] {
    this.group(groupId);
    return [...this.datasets.values()].filter((d) => d.groupId === groupId.toLowerCase());
  }

  /** POST datasets: checks the definition like the service does for push datasets. */
  create(groupId: string, body: unknown, retention: string | null): EmulatedDataset {
    this.group(groupId);
    if (!isObject(body) || typeof body.name !== 'string' || body.name.trim() === '') {
      throw badRequest('A dataset needs a name');
    }
    const mode = typeof body.defaultMode === 'string' ? body.defaultMode : 'Push';
    if (!PUSH_MODES.has(mode))
      throw badRequest(`defaultMode ${mode.slice(0, 40)} cannot be created through this API`);
    if (retention !== null && retention !== 'None' && retention !== 'basicFIFO') {
      throw badRequest(`Unknown defaultRetentionPolicy ${retention.slice(0, 40)}`);
    }
    if (!Array.isArray(body.tables) || body.tables.length === 0)
      throw badRequest('A push dataset needs tables');
    if (body.tables.length > this.limits.maxTables)
      throw badRequest(`At most ${this.limits.maxTables} tables`);
    const tables = new Map<string, Table>();
    for (const raw of body.tables) {
      const table = parseTable(raw, this.limits.maxColumns);
      if (tables.has(table.name)) throw badRequest(`Duplicate table name ${table.name}`);
      tables.set(table.name, table);
    }
    const dataset: EmulatedDataset = {
      id: randomUUID(),
      groupId: groupId.toLowerCase(),
      name: body.name,
      defaultMode: mode,
      defaultRetentionPolicy: retention ?? 'None',
      createdDate: new Date(this.now()).toISOString(),
      tables,
      limiter: new DatasetLimiter(this.limits, this.now),
    };
    this.datasets.set(dataset.id, dataset);
    return dataset;
  }

  /** Checks every value of every row against its column before anything is stored: a POST is all or nothing. */
  checkRows(table: Table, rows: readonly unknown[]): EmulatedRow[] {
    const columns = new Map(table.columns.map((c) => [c.name, c.dataType]));
    return rows.map((row, index) => {
      if (!isObject(row)) throw badRequest(`Row ${index} is not an object`);
      for (const [name, value] of Object.entries(row)) {
        const type = columns.get(name);
        if (type === undefined)
          throw badRequest(`Row ${index}: column '${name.slice(0, 100)}' is not in table ${table.name}`);
        checkValue(type, value, index, name, this.limits.maxStringLength);
      }
      return row;
    });
  }

  largestTable(dataset: EmulatedDataset): number {
    return Math.max(0, ...[...dataset.tables.values()].map((t) => t.rows.length));
  }

  /** Evaluates a parsed ROW query: one row, `[name]` → count (blank for 0, as DAX's COUNTROWS). */
  evaluate(dataset: EmulatedDataset, query: RowQuery): Record<string, number | null> {
    const row: Record<string, number | null> = {};
    for (const { name, count } of query.columns) {
      const table = dataset.tables.get(count.table);
      if (!table)
        throw apiError(400, 'DatasetExecuteQueriesError', `Query: cannot find table '${count.table}'`);
      const filter = count.filter;
      if (filter && !table.columns.some((c) => c.name === filter.column)) {
        throw apiError(
          400,
          'DatasetExecuteQueriesError',
          `Query: column '${filter.column}' in table '${count.table}' cannot be found`,
        );
      }
      const n = filter
        ? table.rows.filter((r) => r[filter.column] === filter.value).length
        : table.rows.length;
      row[`[${name}]`] = n === 0 ? null : n;
    }
    return row;
  }
}

function parseTable(raw: unknown, maxColumns: number): Table {
  if (!isObject(raw) || typeof raw.name !== 'string' || !/^[^'"[\]]{1,100}$/.test(raw.name)) {
    throw badRequest('A table needs a valid name');
  }
  if (!Array.isArray(raw.columns) || raw.columns.length === 0)
    throw badRequest(`Table ${raw.name} needs columns`);
  if (raw.columns.length > maxColumns) throw badRequest(`Table ${raw.name}: at most ${maxColumns} columns`);
  const columns = raw.columns.map((c: unknown): Column => {
    if (!isObject(c) || typeof c.name !== 'string' || typeof c.dataType !== 'string') {
      throw badRequest(`Table ${raw.name}: every column needs a name and a dataType`);
    }
    const dataType = TYPES.get(c.dataType.toLowerCase());
    if (!dataType) throw badRequest(`Table ${raw.name}: unknown dataType ${c.dataType.slice(0, 40)}`);
    return { name: c.name, dataType };
  });
  return { name: raw.name, columns, rows: [] };
}

function checkValue(type: string, value: unknown, index: number, name: string, maxString: number): void {
  if (value === null) return;
  const fail = () => badRequest(`Row ${index}: value of column '${name}' is not a valid ${type}`);
  switch (type) {
    case 'Int64':
      if (!Number.isSafeInteger(value)) throw fail();
      return;
    case 'Double':
    case 'Decimal':
      if (typeof value !== 'number' || !Number.isFinite(value)) throw fail();
      return;
    case 'Boolean':
      if (typeof value !== 'boolean') throw fail();
      return;
    case 'DateTime':
      if (typeof value !== 'string' || Number.isNaN(Date.parse(value))) throw fail();
      return;
    default:
      if (typeof value !== 'string') throw fail();
      if (value.length > maxString) {
        throw badRequest(`Row ${index}: value of column '${name}' is longer than ${maxString} characters`);
      }
  }
}

/** A dataset as GET datasets lists it (the `Dataset` definition of the swagger). */
export function datasetJson(d: EmulatedDataset) {
  return {
    id: d.id,
    name: d.name,
    addRowsAPIEnabled: true,
    configuredBy: 'finsync-emulator@contoso.com',
    isRefreshable: false,
    isEffectiveIdentityRequired: false,
    isEffectiveIdentityRolesRequired: false,
    isOnPremGatewayRequired: false,
    CreatedDate: d.createdDate,
  };
}

/** A workspace as GET groups answers it (the `Group` definition). */
export function groupJson(g: EmulatedGroup) {
  return { id: g.id, name: g.name, isReadOnly: false, isOnDedicatedCapacity: false };
}
