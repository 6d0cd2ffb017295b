/**
 * `open <url>` in the sandbox: what a person's browser would do with a link finsync printed. An OAuth consent
 * URL is followed through the provider emulator's authorize endpoint (which consents at once and redirects
 * with a code) to finsync's callback; a link page (Plaid Link) is loaded, then what the provider's widget
 * would post (the connect mode's `sandboxCompletion`) is posted to the page's completion path. The pages'
 * words are returned as text. Which paths are link pages comes from the registry, never from provider names.
 */
import { connectPaths } from '../../connectors/connect-mode.ts';
import { allIntegrations } from '../../connectors/registry.ts';
import type { EmulatedWorld } from './emulated-world.ts';

export interface BrowserOutcome {
  readonly output: string;
  readonly ok: boolean;
  /** A question the page asks (a choice among radio buttons), answered with `choose <n>` at the prompt. */
  readonly form?: PageForm;
}

/** A page's one-answer form (src/security/html-page.ts's choiceHtml): where it posts and what it sends. */
export interface PageForm {
  readonly action: string;
  readonly hidden: Readonly<Record<string, string>>;
  readonly field: string;
  readonly options: readonly { readonly value: string; readonly label: string }[];
}

const htmlText = (text: string) =>
  text
    .replace(/<[^>]*>/g, '')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
    .trim();

/** The page's POST form with radio options, if it has one; its action resolved against the page's URL. */
export function pageForm(html: string, pageUrl: string): PageForm | undefined {
  const form = /<form[^>]*method="post"[^>]*action="([^"]*)"[^>]*>([\s\S]*?)<\/form>/i.exec(html);
  if (!form) return undefined;
  const inner = form[2] ?? '';
  const hidden: Record<string, string> = {};
  for (const m of inner.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g))
    hidden[htmlText(m[1] ?? '')] = htmlText(m[2] ?? '');
  const options = [
    ...inner.matchAll(/<label><input type="radio" name="([^"]*)" value="([^"]*)"[^>]*>([\s\S]*?)<\/label>/g),
  ].map((m) => ({ field: htmlText(m[1] ?? ''), value: htmlText(m[2] ?? ''), label: htmlText(m[3] ?? '') }));
  if (options.length === 0) return undefined;
  return {
    action: new URL(htmlText(form[1] ?? ''), pageUrl).toString(),
    hidden,
    field: options[0]!.field,
    options: options.map(({ value, label }) => ({ value, label })),
  };
}

/** Posts the form with option `index` (0-based) chosen, as the browser's submit button would. */
export async function submitForm(form: PageForm, index: number): Promise<BrowserOutcome> {
  const option = form.options[index];
  if (!option) return { output: `Choose a number from 1 to ${form.options.length}.`, ok: false, form };
  const response = await fetch(form.action, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ ...form.hidden, [form.field]: option.value }).toString(),
    redirect: 'follow',
  });
  return shownPage(response, await response.text());
}

function shownPage(response: Response, body: string): BrowserOutcome {
  const html = (response.headers.get('content-type') ?? '').includes('html');
  const form = html ? pageForm(body, response.url) : undefined;
  const choices = form
    ? `\n${form.options.map((o, i) => `  ${i + 1}. ${o.label}`).join('\n')}\nType choose <number> to answer.`
    : '';
  return {
    output: `🌐 ${response.url}\n${html ? pageText(body) : body}${choices}`,
    ok: response.ok,
    ...(form ? { form } : {}),
  };
}

/** The integration whose link page a URL opens (by path, as the registry declares it). */
function linkPageOf(url: URL) {
  return allIntegrations().find(
    (integration) =>
      integration.connect.kind === 'link' && connectPaths(integration.id).linkPage === url.pathname,
  );
}

export function isLinkPage(raw: string): boolean {
  return URL.canParse(raw) && linkPageOf(new URL(raw)) !== undefined;
}

/** An HTML page's title and paragraphs, the way a reader takes them in. */
export function pageText(html: string): string {
  const text = htmlText;
  const heading =
    /<h1[^>]*>([\s\S]*?)<\/h1>/i.exec(html)?.[1] ?? /<title>([\s\S]*?)<\/title>/i.exec(html)?.[1];
  const paragraphs = [...html.matchAll(/<p[^>]*>([\s\S]*?)<\/p>/gi)].map((m) => text(m[1] ?? ''));
  return [heading ? text(heading) : '', ...paragraphs].filter((s) => s !== '').join('\n');
}

export async function openInBrowser(world: EmulatedWorld, raw: string): Promise<BrowserOutcome> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { output: `Not a link: ${raw}`, ok: false };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    return { output: `Only http(s) links open here: ${raw}`, ok: false };
  const linkPage = linkPageOf(url);
  const response = await fetch(url, { redirect: 'follow' });
  const body = await response.text();
  const mode = linkPage?.connect;
  if (!linkPage || mode?.kind !== 'link' || !response.ok) return shownPage(response, body);
  if (!mode.sandboxCompletion)
    return { output: `🌐 ${linkPage.displayName}'s page has no sandbox stand-in for its widget.`, ok: false };
  // The widget runs in the provider's own sandbox here; its result goes back as the page's script posts it.
  const completion = await mode.sandboxCompletion(world.app.core.finsync.deps.connectorContext(linkPage.id));
  const posted = await fetch(new URL(connectPaths(linkPage.id).linkComplete, url), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ...completion, state: url.searchParams.get('state') ?? '' }),
  });
  const result = (await posted.json().catch(() => ({}))) as { connection?: string; error?: string };
  const outcome = posted.ok
    ? `${linkPage.displayName}'s page finished: connected as "${result.connection ?? '?'}".`
    : `${linkPage.displayName}'s page failed: ${result.error ?? `HTTP ${posted.status}`}.`;
  return { output: `🌐 ${url.origin}${url.pathname} (${mode.buttonLabel})\n${outcome}`, ok: posted.ok };
}
