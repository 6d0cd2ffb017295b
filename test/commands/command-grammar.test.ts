import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  COMMANDS,
  commandNames,
  nearestCommand,
  parseChannel,
  parseCommand,
} from '../../src/commands/command-grammar.ts';

function ok(text: string) {
  const result = parseCommand(text);
  assert.ok(result.ok, `${text}: ${result.ok ? '' : result.error.message}`);
  return result.command;
}
function bad(text: string) {
  const result = parseCommand(text);
  assert.ok(!result.ok, `${text} should not parse`);
  return result.error;
}

describe('/finsync grammar', () => {
  test('every command of CONVENTIONS.md parses', () => {
    assert.deepEqual(ok(''), { name: 'help' });
    assert.deepEqual(ok('STATUS'), { name: 'status' });
    assert.deepEqual(ok('connect Stripe'), { name: 'connect', provider: 'stripe' });
    assert.deepEqual(ok('disconnect stripe-2'), { name: 'disconnect', connection: 'stripe-2' });
    assert.deepEqual(ok('reconnect Stripe-EU'), { name: 'reconnect', connection: 'stripe-eu' });
    assert.deepEqual(ok('sync all'), { name: 'sync', target: 'all' });
    assert.deepEqual(ok('schedule stripe daily 02:00'), {
      name: 'schedule',
      connection: 'stripe',
      schedule: 'daily 02:00',
    });
    assert.deepEqual(ok('schedule stripe cron “0 */4 * * *”'), {
      name: 'schedule',
      connection: 'stripe',
      schedule: 'cron "0 */4 * * *"',
    });
    assert.deepEqual(ok('history stripe'), { name: 'history', connection: 'stripe', limit: 10 });
    assert.deepEqual(ok('history stripe 5'), { name: 'history', connection: 'stripe', limit: 5 });
    assert.deepEqual(ok('alerts <#C123ABC|finance-alerts>'), {
      name: 'alerts',
      channel: { id: 'C123ABC', name: 'finance-alerts' },
    });
    assert.deepEqual(ok('alerts #finance'), { name: 'alerts', channel: { id: null, name: 'finance' } });
    assert.deepEqual(ok('alerts off'), { name: 'alerts', channel: 'off' });
    assert.deepEqual(ok('digest now'), { name: 'digest', mode: 'now', channel: null });
    assert.deepEqual(ok('digest <#C1|x> at 07:30'), {
      name: 'digest',
      mode: 'set',
      channel: { id: 'C1', name: 'x' },
      time: '07:30',
    });
    assert.deepEqual(ok('subscribe stripe'), {
      name: 'subscribe',
      target: 'stripe',
      kinds: ['failures', 'recoveries'],
    });
    assert.deepEqual(ok('subscribe all digest'), { name: 'subscribe', target: 'all', kinds: ['digest'] });
    assert.deepEqual(ok('subscribe list'), { name: 'subscribe-list' });
    assert.deepEqual(ok('unsubscribe stripe failures'), {
      name: 'unsubscribe',
      target: 'stripe',
      kinds: ['failures'],
    });
    assert.deepEqual(ok('audit'), { name: 'audit', limit: 20 });
  });

  test('malformed commands carry the usage of that command', () => {
    assert.equal(bad('history stripe lots').usage.name, 'history');
    assert.equal(bad('history stripe 0').usage.name, 'history');
    assert.equal(bad('sync').usage.name, 'sync');
    assert.equal(bad('schedule stripe').usage.name, 'schedule');
    assert.equal(bad('digest #x at 25:00').usage.name, 'digest');
    assert.equal(bad('alerts finance').usage.name, 'alerts');
    assert.equal(bad('subscribe stripe everything').usage.name, 'subscribe');
    assert.equal(bad('status please').usage.name, 'status');
    assert.equal(bad('connect ../../etc/passwd').usage.name, 'connect');
    assert.match(bad('x'.repeat(10_000)).message, /characters long/);
  });

  test('unknown words suggest the nearest command', () => {
    assert.equal(bad('stauts').suggestion, 'status');
    assert.equal(bad('hist').suggestion, 'history');
    assert.equal(bad('schedual').suggestion, 'schedule');
    assert.equal(bad('banana').suggestion, null);
    assert.equal(nearestCommand('disconect'), 'disconnect');
  });

  test('an unknown word with no command near lists every command, from the command list', () => {
    const error = bad('banana');
    assert.equal(error.usage.name, 'help');
    assert.deepEqual(
      commandNames(),
      COMMANDS.map((c) => c.name),
    );
    assert.ok(
      error.message.startsWith('`banana` is not a finsync command. The commands are '),
      error.message,
    );
    for (const name of commandNames()) assert.match(error.message, new RegExp(`\\b${name}\\b`));
    // A near word gets the nearest command's usage instead of the list.
    assert.doesNotMatch(bad('stauts').message, /The commands are/);
    assert.equal(bad('stauts').usage.name, 'status');
  });

  test('channels: escaped, typed, and not channels', () => {
    assert.deepEqual(parseChannel('<#C0123|general>'), { id: 'C0123', name: 'general' });
    assert.deepEqual(parseChannel('<#G0123>'), { id: 'G0123', name: null });
    assert.equal(parseChannel('<@U123>'), null);
    assert.equal(parseChannel('general'), null);
  });

  test('every command has a usage, a summary and an example that parses', () => {
    for (const spec of COMMANDS) {
      const result = parseCommand(spec.example.replace('/finsync ', ''));
      assert.ok(result.ok, spec.example);
    }
  });
});
