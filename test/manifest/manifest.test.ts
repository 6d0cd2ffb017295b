import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { parse } from 'yaml';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
interface Manifest {
  features: {
    slash_commands: { command: string; url: string; usage_hint?: string }[];
    app_home: { home_tab_enabled: boolean };
  };
  settings: {
    interactivity: { is_enabled: boolean; request_url: string };
    event_subscriptions: { bot_events: string[] };
    socket_mode_enabled: boolean;
  };
  oauth_config: { scopes: { bot: string[] } };
}
const manifest = parse(readFileSync(join(root, 'manifest.yml'), 'utf8')) as Manifest;
const schemaDir = join(root, '..', 'shared', 'specs', 'slack', 'manifest-schema');

test('manifest declares /finsync, the Home tab, interactivity and app_home_opened on /slack/events, socket mode off', () => {
  const command = manifest.features.slash_commands.find((c) => c.command === '/finsync');
  assert.ok(command?.usage_hint);
  assert.match(command?.url ?? '', /\/slack\/events$/);
  assert.equal(manifest.features.app_home.home_tab_enabled, true);
  assert.equal(manifest.settings.interactivity.is_enabled, true);
  assert.match(manifest.settings.interactivity.request_url, /\/slack\/events$/);
  assert.deepEqual(manifest.settings.event_subscriptions.bot_events, ['app_home_opened']);
  assert.equal(manifest.settings.socket_mode_enabled, false);
});

test('manifest asks only for the scopes the code uses', () => {
  // Each scope and the Web API methods that need it (src/ is grepped so a new call without its scope fails here).
  const conversations = /conversations\.(info|list)\(/;
  const history = /'conversations\.(history|replies)'/;
  const needs: Record<string, RegExp> = {
    commands: /app\.command\(/,
    'chat:write': /chat\.(postMessage|update)/,
    'usergroups:read': /usergroups\.users\.list/,
    // Is finsync in the channel a person chose for alerts (public and private channels)?
    'channels:read': conversations,
    'groups:read': conversations,
    // Owners named without a ping; "until 09:00 tomorrow" in the clicker's timezone.
    'users:read': /users\.info\(/,
    // The outbox finds a post whose answer was lost before it posts again (public and private channels;
    // DMs only when addressed by conversation ID, see README "Delivery"). No mpim:history: nothing posts to
    // group DMs, since without mpim:read no group DM passes the channel-access check.
    'channels:history': history,
    'groups:history': history,
    'im:history': history,
  };
  assert.deepEqual([...manifest.oauth_config.scopes.bot].sort(), Object.keys(needs).sort());
  const sources = readdirSync(join(root, 'src'), { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts'))
    .map((file) => readFileSync(join(root, 'src', file), 'utf8'))
    .join('\n');
  for (const [scope, use] of Object.entries(needs))
    assert.match(sources, use, `${scope} is asked for but src/ never calls what needs it`);
});

test("manifest validates against Slack's manifest schema", {
  skip: !existsSync(schemaDir) && 'shared/specs is absent in this clone',
}, () => {
  const ajv = new Ajv({ strict: false, allErrors: true });
  const v1 = JSON.parse(readFileSync(join(schemaDir, 'schemas_manifest.schema.1.0.0.json'), 'utf8'));
  const validate = ajv.compile(v1);
  const ok = validate(manifest);
  assert.ok(ok, JSON.stringify(validate.errors, null, 2));
  // And the schema really rejects a broken manifest (the check can fail).
  assert.equal(validate({ ...manifest, display_information: {} }), false);
});
