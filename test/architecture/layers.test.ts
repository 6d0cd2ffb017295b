/**
 * The house's layering, checked on the source text so it cannot erode unnoticed:
 * - nothing under src/ outside the Slack adapter imports from it (the composition root excepted: it builds
 *   the Bolt app);
 * - nothing outside src/store names the embedded store or its SQLite handle, or asks `instanceof` of a store;
 * - messages (Block Kit builders) are leaves: they import types, other messages, and a few pure helpers.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';

const ROOT = join(import.meta.dirname, '..', '..');

function sourceFiles(folder: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(join(ROOT, folder), { withFileTypes: true })) {
    const path = `${folder}/${entry.name}`;
    if (entry.isDirectory()) out.push(...sourceFiles(path));
    else if (/\.(ts|cjs|mjs)$/.test(entry.name)) out.push(path);
  }
  return out;
}

interface Import {
  readonly target: string;
  readonly typeOnly: boolean;
}

/** Static and dynamic relative imports of a file, resolved to repository paths. */
function importsOf(file: string): Import[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const found: Import[] = [];
  const pattern = /(import|export)(\s+type)?[^'";]*?from\s*['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]/g;
  for (const match of text.matchAll(pattern)) {
    const spec = match[3] ?? match[4]!;
    const target = relative(ROOT, join(ROOT, file, '..', spec));
    found.push({ target, typeOnly: match[2] !== undefined });
  }
  return found;
}

const text = (file: string): string => readFileSync(join(ROOT, file), 'utf8');

/** Modules messages may take values from: pure formatting and parsing, no I/O, no services. */
const PURE_HELPERS = new Set([
  'src/money.ts',
  'src/digest/day.ts',
  'src/security/mask.ts',
  'src/commands/command-grammar.ts',
  'src/services/status.ts', // for `verdict`, a pure function of a report
]);

describe('layers', () => {
  const files = sourceFiles('src');

  it('nothing outside src/slack imports from it, except the composition root', () => {
    const offenders = files
      .filter((file) => !file.startsWith('src/slack/') && file !== 'src/app.ts')
      .flatMap((file) =>
        importsOf(file)
          .filter((i) => i.target.startsWith('src/slack/'))
          .map((i) => `${file} → ${i.target}`),
      );
    assert.deepEqual(offenders, []);
  });

  it('nothing outside src/store names the embedded store, its database handle or tests a store by class', () => {
    const named = /EmbeddedStore|\.database\b|instanceof\s+\w*Store\b/;
    // Benchmarks may use the embedded store's seeding helper and file name (they measure that store), but
    // reach it through openStore like the app.
    const offenders = [
      ...files.filter((file) => !file.startsWith('src/store/') && /store\/embedded\//.test(text(file))),
      ...[...files, ...sourceFiles('bench')].filter(
        (file) => !file.startsWith('src/store/') && named.test(text(file)),
      ),
    ];
    assert.deepEqual(offenders, []);
  });

  it('messages import only types, other messages and pure helpers', () => {
    const offenders = files
      .filter((file) => file.startsWith('src/messages/'))
      .flatMap((file) =>
        importsOf(file)
          .filter((i) => !i.typeOnly && !i.target.startsWith('src/messages/') && !PURE_HELPERS.has(i.target))
          .map((i) => `${file} → ${i.target}`),
      );
    assert.deepEqual(offenders, []);
  });

  it('the pure helpers messages rely on do no I/O: they import no store, service, Slack or network code', () => {
    const offenders = [...PURE_HELPERS].flatMap((file) =>
      importsOf(file)
        .filter((i) => !i.typeOnly && /^src\/(store|slack|notify|sync|scheduler|webhooks)\//.test(i.target))
        .map((i) => `${file} → ${i.target}`),
    );
    assert.deepEqual(offenders, []);
  });
});
