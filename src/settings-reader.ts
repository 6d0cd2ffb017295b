/**
 * Reads declared settings out of the environment: the core's (src/core-settings.ts) and each provider's
 * (its descriptor). A reader answers only for the names it was given, so every variable finsync reads is
 * declared, and so documented: a test checks each declared name against README and .env.example.
 */
import type { SettingDeclaration, SettingsReader } from '../connectors/provider.ts';
import { ConfigError } from './errors.ts';

export type Env = Readonly<Record<string, string | undefined>>;

export function settingsReader(env: Env, declared: readonly SettingDeclaration[]): SettingsReader {
  const byName = new Map(declared.map((setting) => [setting.name, setting]));
  const get = (name: string): string | undefined => {
    const setting = byName.get(name);
    if (!setting) throw new Error(`setting ${name} is read but not declared`);
    const value = env[name]?.trim();
    return value === undefined || value === '' ? setting.default : value;
  };
  return {
    get,
    url(name) {
      const value = get(name);
      if (value === undefined) throw new ConfigError(name, `${name} is not set: expected an http(s) URL`);
      return urlSetting(value, name);
    },
    optionalUrl(name) {
      const value = get(name);
      return value === undefined ? undefined : urlSetting(value, name);
    },
  };
}

/** The values of the declared secret settings that are set: what the log must never show. */
export function secretValues(env: Env, declared: readonly SettingDeclaration[]): string[] {
  return declared
    .filter((setting) => setting.secret)
    .map((setting) => env[setting.name]?.trim() ?? '')
    .filter((value) => value !== '');
}

export function urlSetting(text: string, name: string): string {
  try {
    const url = new URL(text);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('scheme');
    return text;
  } catch {
    throw new ConfigError(name, `${name} must be an http(s) URL, not "${text.slice(0, 80)}"`);
  }
}
