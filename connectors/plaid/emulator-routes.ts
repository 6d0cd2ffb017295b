/**
 * The emulated Plaid endpoints: request body in, response body out (without `request_id`, which the server adds).
 * Response shapes are checked against the `plaid` package's types with `satisfies`, so the emulator cannot drift
 * from what the official SDK expects.
 */

import { randomUUID } from 'node:crypto';
import {
  type AccountsGetResponse,
  type InstitutionsGetByIdResponse,
  type ItemGetResponse,
  type ItemPublicTokenExchangeResponse,
  ItemUpdateTypeEnum,
  ItemWithConsentFieldsUpdateTypeEnum,
  type LinkTokenCreateResponse,
  type PlaidError,
  PlaidErrorType,
  Products,
  type SandboxItemResetLoginResponse,
  type SandboxPublicTokenCreateResponse,
  type TransactionsSyncResponse,
  TransactionsUpdateStatus,
  type WebhookVerificationKeyGetResponse,
} from 'plaid';
import { institutionWire } from './emulator-data.ts';
import { type EmuItem, type EmulatorState, PlaidApiError } from './emulator-state.ts';
import type { WebhookSigner } from './emulator-webhook.ts';
import { accountWire } from './emulator-wire.ts';

export type RequestBody = Readonly<Record<string, unknown>>;
type Answer<T> = Omit<T, 'request_id'>;
export type Route = (body: RequestBody, state: EmulatorState, signer: WebhookSigner) => object;

const PRODUCTS = new Set<string>(Object.values(Products));

export const ROUTES: Readonly<Record<string, Route>> = {
  '/sandbox/public_token/create': (body, state) => {
    requireFields(body, ['institution_id', 'initial_products']);
    const institutionId = text(body, 'institution_id');
    if (!institutionWire(institutionId)) {
      throw new PlaidApiError(400, 'INVALID_INPUT', 'INVALID_INSTITUTION', 'invalid institution_id provided');
    }
    const products = productList(body['initial_products']);
    const options = body['options'] as { webhook?: unknown } | undefined;
    const webhook = typeof options?.webhook === 'string' ? options.webhook : null;
    const item = state.createItem(institutionId, products, webhook);
    return { public_token: state.createPublicToken(item) } satisfies Answer<SandboxPublicTokenCreateResponse>;
  },

  '/item/public_token/exchange': (body, state) => {
    requireFields(body, ['public_token']);
    const item = state.exchange(text(body, 'public_token'));
    return {
      access_token: item.accessToken,
      item_id: item.itemId,
    } satisfies Answer<ItemPublicTokenExchangeResponse>;
  },

  '/link/token/create': (body, state) => {
    requireFields(body, ['client_name', 'language', 'country_codes', 'user']);
    const user = body['user'] as { client_user_id?: unknown } | null;
    if (
      typeof user !== 'object' ||
      user === null ||
      typeof user.client_user_id !== 'string' ||
      !user.client_user_id
    ) {
      throw new PlaidApiError(
        400,
        'INVALID_REQUEST',
        'MISSING_FIELDS',
        'the following required fields are missing: user.client_user_id',
      );
    }
    if (!Array.isArray(body['country_codes']) || body['country_codes'].length === 0) {
      throw invalidField('country_codes must be a non-empty list');
    }
    if (body['products'] !== undefined) productList(body['products']);
    // Update mode: a token made for an existing item's access token, for Link to log its user in again.
    const item = body['access_token'] === undefined ? null : state.itemForToken(body['access_token']);
    if (!item && body['products'] === undefined)
      throw invalidField('products must be given unless access_token is (update mode)');
    const expiration = new Date(Date.now() + 4 * 3600_000).toISOString();
    const linkToken = `link-sandbox-${randomUUID()}`;
    if (item) state.updateModeTokens.set(linkToken, item.itemId);
    const webhook = typeof body['webhook'] === 'string' ? body['webhook'] : null;
    state.linkTokens.set(linkToken, {
      products: body['products'] === undefined ? [] : productList(body['products']),
      webhook,
    });
    return { link_token: linkToken, expiration } satisfies Answer<LinkTokenCreateResponse>;
  },

  '/accounts/get': (body, state) => {
    const item = dataItem(body, state);
    // /accounts/get types its item with the older enum of the same values.
    const wire = { ...itemWire(item), update_type: ItemUpdateTypeEnum.Background };
    return { accounts: item.accounts.map(accountWire), item: wire } satisfies Answer<AccountsGetResponse>;
  },

  // The live balance: the same accounts, asked of the bank now (the emulator's figures are always current).
  '/accounts/balance/get': (body, state) => {
    const item = dataItem(body, state);
    const wire = { ...itemWire(item), update_type: ItemUpdateTypeEnum.Background };
    return { accounts: item.accounts.map(accountWire), item: wire } satisfies Answer<AccountsGetResponse>;
  },

  '/transactions/sync': (body, state) => {
    const item = dataItem(body, state);
    const count = body['count'] ?? 100;
    if (typeof count !== 'number' || !Number.isInteger(count) || count < 1 || count > 500) {
      throw invalidField('count must be an integer between 1 and 500');
    }
    const result = state.sync(item, body['cursor'], count);
    return {
      ...result,
      transactions_update_status: TransactionsUpdateStatus.HistoricalUpdateComplete,
    } satisfies Answer<TransactionsSyncResponse>;
  },

  '/item/get': (body, state) => {
    requireFields(body, ['access_token']);
    const item = state.itemForToken(body['access_token']);
    return { item: itemWire(item), status: null } satisfies Answer<ItemGetResponse>;
  },

  '/institutions/get_by_id': (body) => {
    requireFields(body, ['institution_id', 'country_codes']);
    const institution = institutionWire(text(body, 'institution_id'));
    if (!institution)
      throw new PlaidApiError(400, 'INVALID_INPUT', 'INVALID_INSTITUTION', 'invalid institution_id provided');
    return { institution } satisfies Answer<InstitutionsGetByIdResponse>;
  },

  '/webhook_verification_key/get': (body, _state, signer) => {
    requireFields(body, ['key_id']);
    if (body['key_id'] !== signer.kid) {
      throw new PlaidApiError(
        400,
        'INVALID_INPUT',
        'INVALID_WEBHOOK_VERIFICATION_KEY_ID',
        'invalid key_id provided',
      );
    }
    return { key: signer.jwk } satisfies Answer<WebhookVerificationKeyGetResponse>;
  },

  '/sandbox/item/reset_login': (body, state) => {
    requireFields(body, ['access_token']);
    state.itemForToken(body['access_token']).error = 'ITEM_LOGIN_REQUIRED';
    return { reset_login: true } satisfies Answer<SandboxItemResetLoginResponse>;
  },
};

function dataItem(body: RequestBody, state: EmulatorState): EmuItem {
  requireFields(body, ['access_token']);
  const item = state.itemForToken(body['access_token']);
  state.requireHealthy(item);
  return item;
}

function itemWire(item: EmuItem): ItemGetResponse['item'] {
  const error: PlaidError | null =
    item.error === null
      ? null
      : {
          error_type: PlaidErrorType.ItemError,
          error_code: item.error,
          error_message: 'a user login is required to update this item',
          display_message: null,
        };
  return {
    item_id: item.itemId,
    // Older API versions omit institution_name; the connector must look the name up itself.
    institution_id: item.institutionId,
    webhook: item.webhook,
    error,
    available_products: [Products.Balance, Products.Auth],
    billed_products: [...item.products],
    products: [...item.products],
    consented_products: [...item.products],
    consent_expiration_time: null,
    update_type: ItemWithConsentFieldsUpdateTypeEnum.Background,
    created_at: item.createdAt,
  };
}

function requireFields(body: RequestBody, fields: readonly string[]): void {
  const missing = fields.filter((f) => body[f] === undefined || body[f] === null || body[f] === '');
  if (missing.length > 0) {
    throw new PlaidApiError(
      400,
      'INVALID_REQUEST',
      'MISSING_FIELDS',
      `the following required fields are missing: ${missing.join(', ')}`,
    );
  }
}

function text(body: RequestBody, field: string): string {
  const value = body[field];
  if (typeof value !== 'string') throw invalidField(`${field} must be a string`);
  return value;
}

function productList(value: unknown): Products[] {
  if (!Array.isArray(value) || value.length === 0) throw invalidField('products must be a non-empty list');
  for (const p of value) {
    if (typeof p !== 'string' || !PRODUCTS.has(p))
      throw invalidField(`unknown product ${String(p).slice(0, 40)}`);
  }
  return value as Products[];
}

function invalidField(message: string): PlaidApiError {
  return new PlaidApiError(400, 'INVALID_REQUEST', 'INVALID_FIELD', message);
}
