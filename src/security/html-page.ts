/**
 * The headers and shape of every HTML page finsync serves to a browser (the Plaid Link page, the OAuth and
 * Link result pages): a hash-based Content-Security-Policy, so only the exact inline script and style we
 * wrote can run, framing refused (clickjacking), and no Referer carrying a `state` or token to other sites.
 */
import { createHash } from 'node:crypto';

/** A CSP source for one inline `<script>` or `<style>`: the SHA-256 of its exact text, base64. */
export function cspHash(inline: string): string {
  return `'sha256-${createHash('sha256').update(inline, 'utf8').digest('base64')}'`;
}

/** Directive name → sources; `default-src 'none'`, `frame-ancestors 'none'`, `base-uri` and `form-action` always. */
export function contentSecurityPolicy(directives: Readonly<Record<string, readonly string[]>> = {}): string {
  const all: Record<string, readonly string[]> = {
    'default-src': ["'none'"],
    'base-uri': ["'none'"],
    'form-action': ["'none'"],
    'frame-ancestors': ["'none'"],
    ...directives,
  };
  return Object.entries(all)
    .map(([name, sources]) => `${name} ${sources.join(' ')}`)
    .join('; ');
}

export function htmlHeaders(csp: string): Record<string, string> {
  return {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'content-security-policy': csp,
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
  };
}

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

const RESULT_STYLE = 'body{font-family:system-ui,sans-serif;max-width:34rem;margin:4rem auto;padding:0 1rem}';

/** A result page has no script at all; its one style element is allowed by hash. */
export const RESULT_PAGE_CSP = contentSecurityPolicy({ 'style-src': [cspHash(RESULT_STYLE)] });

/** A title and a sentence ("QuickBooks is connected", "This link has expired"), escaped. */
export function resultHtml(title: string, text: string): string {
  return (
    `<!doctype html><html lang="en"><meta charset="utf-8">` +
    // Links from Slack are often opened on a phone: without this the page is laid out 980 px wide, zoomed out.
    '<meta name="viewport" content="width=device-width, initial-scale=1">' +
    `<title>${escapeHtml(title)}</title>` +
    `<style>${RESULT_STYLE}</style><body><h1>${escapeHtml(title)}</h1><p>${escapeHtml(text)}</p></body></html>`
  );
}
