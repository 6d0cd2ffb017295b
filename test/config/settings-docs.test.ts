import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { allProviders } from '../../connectors/registry.ts';
import { CORE_SETTINGS } from '../../src/core-settings.ts';

const root = new URL('../../', import.meta.url);
const NAME = /^[A-Z][A-Z0-9_]+$/;

/** The setting names in the first column of README's "## Settings" table. */
function readmeSettings(): Set<string> {
  const readme = readFileSync(new URL('README.md', root), 'utf8');
  const section = readme.split(/^## /m).find((part) => part.startsWith('Settings\n'));
  assert.ok(section, 'README has a "## Settings" section');
  const names = new Set<string>();
  for (const line of section.split('\n').filter((l) => l.startsWith('|'))) {
    const first = line.split('|')[1] ?? '';
    for (const [, name] of first.matchAll(/`([^`]+)`/g)) if (NAME.test(name!)) names.add(name!);
  }
  return names;
}

/** The names `.env.example` sets or shows commented out (`NAME=` or `# NAME=`). */
function envExampleSettings(): Set<string> {
  const text = readFileSync(new URL('.env.example', root), 'utf8');
  return new Set([...text.matchAll(/^#?\s*([A-Z][A-Z0-9_]+)=/gm)].map((match) => match[1]!));
}

const declared = [
  ...CORE_SETTINGS.map((setting) => ({ owner: 'core', name: setting.name })),
  ...allProviders().flatMap((provider) =>
    provider.settings.declared.map((setting) => ({ owner: provider.id, name: setting.name })),
  ),
];

describe('settings are documented', () => {
  test("every declared setting, core or a registered provider's, is in README's settings table", () => {
    const documented = readmeSettings();
    const missing = declared.filter((s) => !documented.has(s.name)).map((s) => `${s.name} (${s.owner})`);
    assert.deepEqual(missing, []);
  });

  test('every declared setting is in .env.example', () => {
    const documented = envExampleSettings();
    const missing = declared.filter((s) => !documented.has(s.name)).map((s) => `${s.name} (${s.owner})`);
    assert.deepEqual(missing, []);
  });

  test('README and .env.example document no setting that finsync does not read', () => {
    const names = new Set(declared.map((s) => s.name));
    assert.deepEqual(
      [...readmeSettings()].filter((name) => !names.has(name)),
      [],
    );
    assert.deepEqual(
      [...envExampleSettings()].filter((name) => !names.has(name)),
      [],
    );
  });
});
