/**
 * Power BI as a destination: an app registration (tenant, client id, secret) that is a member of a
 * workspace, and a push dataset `finsync` in that workspace with the tables `records` and `runs`
 * (schema.ts, which also explains how updates appear in an append-only dataset and gives the DAX of the
 * current-state view). `createPowerBiDestination` takes a clock, limits and timeouts so tests can pin them;
 * the registry uses the default object.
 */

import { AuthError, InvalidRequestError, isFinsyncError, UserInputError } from '../../src/errors.ts';
import type { RetryOptions } from '../../src/retry.ts';
import { FORM_CONNECT } from '../connect-mode.ts';
import type { Destination, Publisher, PublishRow, PublishRunRow, PublishTable } from '../destination.ts';
import type { CredentialField, Credentials, VerifyResult } from '../types.ts';
import type { PowerBiIdentity } from './auth.ts';
import { type DatasetInfo, PowerBiApi } from './client.ts';
import { POWER_BI_LIMITS, type PushLimits, PushPacer } from './pacer.ts';
import {
  DATASET_NAME,
  isPublishRow,
  type PowerBiRow,
  recordRow,
  runRow,
  TABLE_SIZES_QUERY,
  TABLES,
} from './schema.ts';
import type { PowerBiContext, PowerBiSettings } from './settings.ts';

export interface PowerBiDestinationOptions {
  /** Clock in ms for pacing; tests share a fake one with the emulator. */
  readonly now?: () => number;
  readonly timeoutMs?: number;
  readonly retry?: Partial<Omit<RetryOptions, 'sleep' | 'signal'>>;
  /** Overrides of Microsoft's limits (tests use small ones rather than push a million rows). */
  readonly limits?: Partial<PushLimits>;
  /** Slack added to the pacer's windows for clock skew and arrival bunching; default 1 s. */
  readonly marginMs?: number;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DOMAIN = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/i;

const CREDENTIAL_FIELDS: readonly CredentialField[] = [
  {
    key: 'tenant_id',
    label: 'Tenant ID',
    secret: false,
    placeholder: '00000000-0000-0000-0000-000000000000',
    hint: 'Directory (tenant) ID of the app registration, or the tenant domain (contoso.onmicrosoft.com).',
  },
  {
    key: 'client_id',
    label: 'Client ID',
    secret: false,
    placeholder: '00000000-0000-0000-0000-000000000000',
    hint: 'Application (client) ID. The app needs no API permissions; it must be allowed to use Power BI APIs by the tenant admin.',
  },
  { key: 'client_secret', label: 'Client secret', secret: true, hint: 'The secret value (not its ID).' },
  {
    key: 'workspace_id',
    label: 'Workspace ID',
    secret: false,
    placeholder: '00000000-0000-0000-0000-000000000000',
    hint: 'From the workspace URL (…/groups/<id>/…). Add the app to the workspace as Member or Contributor.',
  },
];

interface Parsed {
  readonly identity: PowerBiIdentity;
  readonly workspaceId: string;
}

function parseCredentials(input: Credentials): Parsed {
  const get = (key: string) => input[key]?.trim() ?? '';
  const tenantId = get('tenant_id');
  const clientId = get('client_id');
  const clientSecret = get('client_secret');
  const workspaceId = get('workspace_id');
  if (!GUID.test(tenantId) && !DOMAIN.test(tenantId)) {
    throw new UserInputError('The tenant ID is a GUID (or a domain such as contoso.onmicrosoft.com).', {
      field: 'tenant_id',
    });
  }
  if (!GUID.test(clientId))
    throw new UserInputError('The client ID is a GUID (Application (client) ID).', { field: 'client_id' });
  if (clientSecret === '')
    throw new UserInputError('Enter the client secret value.', { field: 'client_secret' });
  if (!GUID.test(workspaceId))
    throw new UserInputError('The workspace ID is a GUID (from the workspace URL).', {
      field: 'workspace_id',
    });
  return { identity: { tenantId, clientId, clientSecret }, workspaceId };
}

function storedCredentials(credentials: Credentials): Parsed {
  try {
    return parseCredentials(credentials);
  } catch {
    throw new AuthError('The stored Power BI credentials are incomplete; reconnect Power BI.');
  }
}

/** The oldest push dataset named finsync: if two processes ever created one each, all agree on the same. */
function pickDataset(datasets: readonly DatasetInfo[]): DatasetInfo | undefined {
  const named = datasets.filter((d) => d.name === DATASET_NAME);
  const push = named
    .filter((d) => d.addRowsApiEnabled)
    .sort((a, b) => a.createdDate.localeCompare(b.createdDate) || a.id.localeCompare(b.id))[0];
  if (!push && named.length > 0) {
    throw new InvalidRequestError(
      `The workspace has a dataset named "${DATASET_NAME}" that is not a push dataset; rename or delete it.`,
    );
  }
  return push;
}

function toRows(
  table: PublishTable,
  rows: readonly (PublishRow | PublishRunRow)[],
  batchId: string,
): PowerBiRow[] {
  return rows.map((row) => {
    if (table === 'records' && isPublishRow(row)) return recordRow(row, batchId);
    if (table === 'runs' && !isPublishRow(row)) return runRow(row, batchId);
    throw new InvalidRequestError(`A row of the wrong kind was given for the ${table} table`);
  });
}

export function createPowerBiDestination(
  options: PowerBiDestinationOptions = {},
): Destination<PowerBiSettings> {
  const limits: PushLimits = { ...POWER_BI_LIMITS, ...options.limits };
  const now = options.now ?? Date.now;
  // One pacer per dataset for the whole process, so concurrent publishers share one budget.
  const pacers = new Map<string, PushPacer>();
  const pacerFor = (datasetId: string) => {
    let pacer = pacers.get(datasetId);
    if (!pacer) {
      pacer = new PushPacer(limits, now, options.marginMs);
      pacers.set(datasetId, pacer);
    }
    return pacer;
  };
  const api = (parsed: Parsed, ctx: PowerBiContext, retry = options.retry) =>
    new PowerBiApi(parsed.identity, parsed.workspaceId, ctx, {
      pacerFor,
      now,
      ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
      ...(retry === undefined ? {} : { retry }),
    });

  async function workspace(client: PowerBiApi, workspaceId: string) {
    try {
      return await client.getGroup();
    } catch (error) {
      if (!isFinsyncError(error) || error.errorClass !== 'not_found') throw error;
      throw new AuthError(
        `Workspace ${workspaceId} was not found, or the app is not a member of it: add the app to the workspace as Member or Contributor.`,
      );
    }
  }

  return {
    id: 'powerbi',
    displayName: 'Power BI',
    description: `Publishes the ledger to a push dataset named "${DATASET_NAME}" in a Power BI workspace`,
    credentialFields: CREDENTIAL_FIELDS,
    connect: FORM_CONNECT,

    async verify(input: Credentials, ctx: PowerBiContext): Promise<VerifyResult> {
      const parsed = parseCredentials(input);
      // A person is waiting on this answer: retry less than a background publish would.
      const client = api(parsed, ctx, { attempts: 2, ...options.retry });
      await client.token();
      const group = await workspace(client, parsed.workspaceId);
      return {
        credentials: {
          tenant_id: parsed.identity.tenantId,
          client_id: parsed.identity.clientId,
          client_secret: parsed.identity.clientSecret,
          workspace_id: parsed.workspaceId,
        },
        accountLabel: group.name,
        accountId: group.id,
      };
    },

    publisher(credentials: Credentials, ctx: PowerBiContext): Publisher {
      const parsed = storedCredentials(credentials);
      const client = api(parsed, ctx);
      let prepared: Promise<{ readonly datasetId: string; readonly label: string }> | null = null;

      async function findOrCreate(): Promise<{ id: string; created: boolean }> {
        const found = pickDataset(await client.listDatasets());
        if (found) return { id: found.id, created: false };
        // A creation whose answer was lost may have happened: look again (once, no nested retries) before
        // creating again, so a flaky network does not leave two datasets behind.
        let uncertain = false;
        return client.retrying(async () => {
          const created = uncertain ? pickDataset(await client.listDatasets(false)) : undefined;
          if (created) return { id: created.id, created: false };
          try {
            return { id: await client.createDataset(DATASET_NAME, TABLES), created: true };
          } catch (error) {
            uncertain = isFinsyncError(error) && error.errorClass === 'transient';
            throw error;
          }
        });
      }

      async function prepare() {
        const group = await workspace(client, parsed.workspaceId);
        const { id, created } = await findOrCreate();
        if (!created) {
          const tables = await client.listTables(id);
          const missing = TABLES.map((t) => t.name).filter((name) => !tables.includes(name));
          if (missing.length > 0) {
            throw new InvalidRequestError(
              `The "${DATASET_NAME}" dataset lacks the table(s) ${missing.join(', ')}; delete the dataset so finsync can create it again.`,
            );
          }
          try {
            const sizes = await client.queryRow(id, TABLE_SIZES_QUERY);
            const pacer = pacerFor(id);
            for (const table of TABLES) pacer.setTableRows(table.name, sizes[table.name] ?? 0);
          } catch (error) {
            if (!isFinsyncError(error) || error.retryable) throw error;
            throw new InvalidRequestError(
              `Power BI refused a DAX query (${error.message}). finsync needs the tenant setting "Dataset Execute Queries REST API" and the app's Build permission on the dataset.`,
            );
          }
        }
        return { datasetId: id, label: `${DATASET_NAME} in ${group.name}` };
      }

      /** prepare() always looks again; push and batchLanded reuse its answer (or prepare on first use). */
      function refresh() {
        const attempt = prepare();
        prepared = attempt;
        // A failed prepare is not remembered: the next push prepares again. (This handler also keeps the
        // rejection from counting as unhandled when only the caller of prepare() awaits it.)
        attempt.catch(() => {
          if (prepared === attempt) prepared = null;
        });
        return attempt;
      }
      const dataset = () => prepared ?? refresh();

      return {
        maxRowsPerPush: limits.maxRowsPerPost,
        prepare: refresh,
        async push(table, rows, batchId) {
          if (rows.length === 0) return;
          if (rows.length > limits.maxRowsPerPost) {
            throw new InvalidRequestError(
              `At most ${limits.maxRowsPerPost} rows per push; got ${rows.length}`,
            );
          }
          const { datasetId } = await dataset();
          await client.postRows(datasetId, table, toRows(table, rows, batchId), batchId);
        },
        async batchLanded(table, batchId) {
          const { datasetId } = await dataset();
          return (await client.batchRows(datasetId, table, batchId)) > 0;
        },
      };
    },
  };
}

export const powerbiDestination: Destination<PowerBiSettings> = createPowerBiDestination();
