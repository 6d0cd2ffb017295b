/**
 * `npx finsync help` and unknown commands from a terminal, as an operator runs them: the same words as Slack
 * (help's connect line names the providers; a typo suggests the nearest command; else every command is listed).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { integrationIds } from '../../connectors/registry.ts';
import { commandNames } from '../../src/commands/command-grammar.ts';
import { cliEnv, runCli } from '../sync/helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'finsync-cli-help-'));
const env = cliEnv(dir, {});
after(() => rmSync(dir, { recursive: true, force: true }));

test('help from the CLI names the providers connect accepts', async () => {
  const help = await runCli(['help'], env);
  assert.equal(help.code, 0, help.stderr);
  const connectLine = help.stdout
    .split('\n')
    .findIndex((line) => line.includes('/finsync connect <provider>'));
  assert.ok(connectLine >= 0, help.stdout);
  // The entry and its wrapped continuation lines (up to the next entry or a blank line).
  const lines = help.stdout.split('\n');
  let end = connectLine + 1;
  while (end < lines.length && lines[end]!.trim() !== '' && !lines[end]!.trimStart().startsWith('`/finsync'))
    end++;
  const following = lines.slice(connectLine, end).join(' ');
  for (const id of integrationIds()) assert.match(following, new RegExp(`\\b${id}\\b`), following);
  const json = await runCli(['help', '--json'], env);
  assert.deepEqual((JSON.parse(json.stdout) as { providers: string[] }).providers, integrationIds());
});

test('an unknown command from the CLI suggests the nearest one, or lists every command', async () => {
  const typo = await runCli(['stauts'], env);
  assert.equal(typo.code, 2);
  assert.match(typo.stdout, /`stauts` is not a finsync command\. Did you mean `status`\?/);
  assert.match(typo.stdout, /\/finsync status/);
  const json = await runCli(['stauts', '--json'], env);
  assert.equal((JSON.parse(json.stdout) as { suggestion: string }).suggestion, 'status');

  const unknown = await runCli(['banana'], env);
  assert.equal(unknown.code, 2);
  // The terminal renderer wraps long lines: compare the words.
  assert.match(
    unknown.stdout.replace(/\s+/g, ' '),
    new RegExp(`The commands are ${commandNames().join(', ')}\\.`),
  );
});
