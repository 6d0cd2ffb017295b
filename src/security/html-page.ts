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

const CHOICE_STYLE = `${RESULT_STYLE}label{display:block;margin:.6rem 0;font-size:1.1rem}small{color:#555}button{margin-top:1rem;font-size:1rem;padding:.5rem 1rem}.problem{color:#a00}`;

/** A choice page has no script; it may post its form to finsync only (`form-action 'self'`). */
export const CHOICE_PAGE_CSP = contentSecurityPolicy({
  'style-src': [cspHash(CHOICE_STYLE)],
  'form-action': ["'self'"],
});

export interface ChoiceForm {
  readonly title: string;
  readonly text: string;
  /** Same-origin path the form posts to (application/x-www-form-urlencoded). */
  readonly action: string;
  /** Hidden fields (the hand-off's state). */
  readonly hidden: Readonly<Record<string, string>>;
  /** The radio group's field name and its options; none is preselected: the choice is deliberate. */
  readonly field: string;
  readonly options: readonly { readonly value: string; readonly label: string; readonly detail?: string }[];
  readonly submit: string;
  readonly problem?: string;
}

/** A question with one answer among a few, as radio buttons and a submit button; all text escaped. */
export function choiceHtml(form: ChoiceForm): string {
  const hidden = Object.entries(form.hidden)
    .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`)
    .join('');
  const options = form.options
    .map(
      (o) =>
        `<label><input type="radio" name="${escapeHtml(form.field)}" value="${escapeHtml(o.value)}" required> ` +
        `${escapeHtml(o.label)}${o.detail ? ` <small>${escapeHtml(o.detail)}</small>` : ''}</label>`,
    )
    .join('');
  const problem = form.problem ? `<p class="problem" role="alert">${escapeHtml(form.problem)}</p>` : '';
  return (
    `<!doctype html><html lang="en"><meta charset="utf-8">` +
    '<meta name="viewport" content="width=device-width, initial-scale=1">' +
    `<title>${escapeHtml(form.title)}</title><style>${CHOICE_STYLE}</style><body>` +
    `<h1>${escapeHtml(form.title)}</h1>${problem}<p>${escapeHtml(form.text)}</p>` +
    `<form method="post" action="${escapeHtml(form.action)}">${hidden}<fieldset><legend>${escapeHtml(form.title)}</legend>${options}</fieldset>` +
    `<button type="submit">${escapeHtml(form.submit)}</button></form></body></html>`
  );
}
