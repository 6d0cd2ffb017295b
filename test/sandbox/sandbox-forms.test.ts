import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { SandboxSession } from '../../src/sandbox/sandbox-session.ts';

let session: SandboxSession;
before(async () => {
  session = await SandboxSession.start({ stripeObjects: 5 });
});
after(() => session.close());

test('a /finsync line typed at a form question leaves the form unsubmitted and runs as a command', async () => {
  const asked: string[] = [];
  const shown: string[] = [];
  const result = await session.handle(
    '/finsync connect powerbi',
    async (label, fallback) => {
      asked.push(label);
      return label.startsWith('Client ID') ? '/finsync status' : fallback;
    },
    (text) => shown.push(text),
  );
  assert.ok(result.ok, result.output);
  assert.match(shown.join('\n'), /Form closed without submitting/);
  assert.match(result.output, /finsync status/);
  assert.doesNotMatch(result.output, /Connected Power BI/);
  assert.ok(!asked.some((l) => l.startsWith('Client secret')), 'no question after the command');
  // The form was shown before its first question.
  assert.match(shown[0] ?? '', /Publishes the ledger/);
});

test('optional fields say so when asked', async () => {
  const asked: string[] = [];
  await session.handle('/finsync connect stripe', async (label, fallback) => {
    asked.push(label);
    return fallback;
  });
  assert.ok(
    asked.some((l) => l.endsWith('(optional)')),
    `an optional field is marked: ${asked.join(' | ')}`,
  );
});
