/**
 * The provider descriptor: everything finsync knows of one integration, declared in its own folder
 * (`connectors/<id>/provider.ts`) and listed once in connectors/registry.ts. Config, secret redaction,
 * webhook routes, the digest's date rule, the sandbox world and the test harness are all derived from it,
 * so a new provider is its folder plus one registry line (and its tests and README/.env.example rows).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { WebhookDeps } from '../src/webhooks/webhook-http.ts';
import type { Destination } from './destination.ts';
import type { Connector, ConnectorContext } from './types.ts';

/** One environment variable a provider reads. Names are a contract (README's settings table, .env.example). */
export interface SettingDeclaration {
  readonly name: string;
  /** What it means, in README's words. */
  readonly meaning: string;
  /** Used when the variable is unset or empty; absent: unset means "not configured". */
  readonly default?: string;
  /** Cut out of every log line once loaded. */
  readonly secret?: boolean;
}

/** The provider's view of the environment: only the settings it declared, with their defaults applied. */
export interface SettingsReader {
  /** The trimmed value, else the declared default, else undefined. Reading an undeclared name is a bug. */
  get(name: string): string | undefined;
  /** `get` as an http(s) URL; a ConfigError naming the setting when it is not one, or unset with no default. */
  url(name: string): string;
  /** `get` as an http(s) URL when set; undefined when unset. */
  optionalUrl(name: string): string | undefined;
}

/** Core settings a provider's own may derive from. */
export interface AppSettings {
  /** Where browsers and providers reach the app (FINSYNC_PUBLIC_URL, no trailing slash). */
  readonly publicUrl: string;
}

export interface ProviderSettingsSpec<S> {
  readonly declared: readonly SettingDeclaration[];
  /** Builds the provider's typed settings; throws a ConfigError naming the variable when one is invalid. */
  parse(read: SettingsReader, app: AppSettings): S;
}

/** What a provider's webhook route is given: the app's webhook port plus its own settings. */
export interface ProviderWebhookDeps<S> extends WebhookDeps {
  readonly settings: S;
  readonly connectorContext: () => ConnectorContext<S>;
}

export type WebhookHandler = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * A provider that announces changes: served at `POST /webhooks/<id>`. The handler verifies a delivery, maps
 * it to the connections it concerns and queues their syncs (the generic body reading, refusals and replay
 * memory are src/webhooks/webhook-http.ts).
 */
export interface ProviderWebhook<S> {
  route(deps: ProviderWebhookDeps<S>): WebhookHandler;
}

export interface RunningEmulator {
  readonly url: string;
  close(): Promise<void>;
}

/** The provider's local emulator, as the sandbox and the tests start it. */
export interface EmulatorFactory<E extends RunningEmulator, O> {
  /** Starts it on a free port. The module is imported here, on demand: the app itself never loads it. */
  start(options?: O): Promise<E>;
  /** The settings that point the app at this emulator (names among the provider's declared settings). */
  env(emulator: E): Readonly<Record<string, string>>;
  /**
   * Credentials this emulator accepts, by credential field key: what the sandbox types into a form-connected
   * provider's connect form (a link-page provider's answer comes from its connect mode instead).
   */
  formAnswers?(emulator: E): Readonly<Record<string, string>>;
  /** Tells the emulator where the app runs once it does (e.g. where to deliver its webhooks). */
  connectApp?(emulator: E, appUrl: string): void;
}

/**
 * How a source's `occurredAt` counts in the digest: `instant`, a moment (counted on the team's local day), or
 * `calendar`, a date with no time of day stored at 00:00:00.000Z (counted on that date).
 */
export type DateRule = 'instant' | 'calendar';

interface ProviderCommon<Id extends string, S, E extends RunningEmulator, O> {
  readonly id: Id;
  readonly settings: ProviderSettingsSpec<S>;
  readonly webhook?: ProviderWebhook<S>;
  readonly emulator: EmulatorFactory<E, O>;
}

export interface SourceProvider<Id extends string, S, E extends RunningEmulator, O>
  extends ProviderCommon<Id, S, E, O> {
  readonly kind: 'source';
  readonly connector: Connector<S>;
  readonly dates: DateRule;
}

export interface DestinationProvider<Id extends string, S, E extends RunningEmulator, O>
  extends ProviderCommon<Id, S, E, O> {
  readonly kind: 'destination';
  readonly destination: Destination<S>;
}

/** Any provider, as the registry holds them (methods are bivariant, so every typed provider fits). */
export type AnyProvider =
  | SourceProvider<string, unknown, RunningEmulator, unknown>
  | DestinationProvider<string, unknown, RunningEmulator, unknown>;

export type SettingsOf<P> = P extends { readonly settings: ProviderSettingsSpec<infer S> } ? S : never;
export type EmulatorOf<P> = P extends { readonly emulator: EmulatorFactory<infer E, unknown> } ? E : never;
export type EmulatorOptionsOf<P> = P extends {
  readonly emulator: { start(options?: infer O): Promise<RunningEmulator> };
}
  ? O
  : never;
