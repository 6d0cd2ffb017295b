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

test("a page's question is answered at the prompt: a Sage user with several businesses chooses one", async () => {
  session.world.sage.control.setConsent({ user: 'user-multi' });
  const asked = await session.handle('/finsync connect sage', async (_label, fallback) => fallback);
  assert.ok(asked.ok, asked.output);
  const page = await session.handle('open', async (_label, fallback) => fallback);
  assert.ok(page.ok, page.output);
  assert.match(page.output, /1\. .+\n {2}2\. .+\nType choose <number> to answer\./);
  const second = /2\. (.+)/.exec(page.output)![1]!;
  const chosen = await session.handle('choose 2', async (_label, fallback) => fallback);
  assert.ok(chosen.ok, chosen.output);
  const sage = (await session.world.app.store.listConnections()).find((c) => c.provider === 'sage');
  assert.ok(sage, chosen.output);
  assert.ok(second.startsWith(sage.accountLabel.split(' (')[0]!), `${second} / ${sage.accountLabel}`);
  // The question is gone once answered: a second answer is not sent.
  const again = await session.handle('choose 1', async (_label, fallback) => fallback);
  assert.equal(again.ok, false);
});
