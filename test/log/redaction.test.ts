import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { createLogger, redact, registerSecret } from '../../src/log.ts';

test('every log line is redacted: secret-named keys masked, registered secrets cut out wherever they appear', async () => {
  const lines: string[] = [];
  const stream = new PassThrough();
  stream.on('data', (chunk: Buffer) => lines.push(chunk.toString()));
  const log = createLogger({ level: 'debug', stream });
  registerSecret('sk_test_51LeakyKeyValue');
  log.info('connecting with sk_test_51LeakyKeyValue', {
    api_key: 'whatever-this-is',
    nested: { accessToken: 'access-sandbox-123', list: ['prefix sk_test_51LeakyKeyValue suffix'] },
    error: new Error('Stripe rejected sk_test_51LeakyKeyValue'),
    harmless: 'stripe',
  });
  await new Promise((resolve) => setImmediate(resolve));
  const line = lines.join('');
  assert.ok(!line.includes('sk_test_51LeakyKeyValue'), line);
  assert.ok(!line.includes('whatever-this-is'));
  assert.ok(!line.includes('access-sandbox-123'));
  assert.match(line, /"harmless":"stripe"/);
  const parsed = JSON.parse(lines[0]!) as { level: string; message: string };
  assert.equal(parsed.level, 'info');
  assert.match(parsed.message, /connecting with \[redacted\]/);
});

test('redact leaves non-secret structure intact', () => {
  assert.deepEqual(redact({ a: 1, b: [true, null], c: { d: 'x' } }), {
    a: 1,
    b: [true, null],
    c: { d: 'x' },
  });
});
