/** Reading a rotating grant's token answer (connectors/oauth/rotating-tokens.ts), shared by Intuit and Sage. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rotatingTokenFieldsFrom } from '../../connectors/oauth/rotating-tokens.ts';
import { TransientError } from '../../src/errors.ts';
import { redactText } from '../../src/log.ts';

const SENT_AT = Date.UTC(2026, 0, 10, 12);

test('lifetimes count from when the request was sent, under each provider’s refresh-lifetime field; both tokens are secrets', () => {
  const fields = rotatingTokenFieldsFrom(
    {
      access_token: 'at-rotating-field-test-1',
      refresh_token: 'rt-rotating-field-test-1',
      expires_in: 300,
      refresh_token_expires_in: 2_678_400,
    },
    'refresh_token_expires_in',
    SENT_AT,
    'Sage',
  );
  assert.deepEqual(fields, {
    access_token: 'at-rotating-field-test-1',
    refresh_token: 'rt-rotating-field-test-1',
    access_expires_at: '2026-01-10T12:05:00.000Z',
    refresh_expires_at: '2026-02-10T12:00:00.000Z',
  });
  const leaked = redactText('tokens at-rotating-field-test-1 and rt-rotating-field-test-1');
  assert.ok(
    !leaked.includes('at-rotating-field-test-1') && !leaked.includes('rt-rotating-field-test-1'),
    leaked,
  );
});

test('an answer missing a field, or carrying the other provider’s lifetime field, is a TransientError naming the provider', () => {
  const intuitAnswer = {
    access_token: 'a',
    refresh_token: 'r',
    expires_in: 3600,
    x_refresh_token_expires_in: 8_726_400,
  };
  assert.equal(
    rotatingTokenFieldsFrom(intuitAnswer, 'x_refresh_token_expires_in', SENT_AT, 'Intuit').refresh_expires_at,
    '2026-04-21T12:00:00.000Z',
  );
  assert.throws(
    () => rotatingTokenFieldsFrom(intuitAnswer, 'refresh_token_expires_in', SENT_AT, 'Sage'),
    (error: unknown) =>
      error instanceof TransientError && /^Sage answered the token request/.test(error.message),
  );
  const { expires_in: _, ...noExpiry } = intuitAnswer;
  assert.throws(
    () => rotatingTokenFieldsFrom(noExpiry, 'x_refresh_token_expires_in', SENT_AT, 'Intuit'),
    TransientError,
  );
});
