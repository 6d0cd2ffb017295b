/**
 * The page a person opens from Slack to link a bank with Plaid Link. Pure: HTML in, nothing else.
 * Values reach the script as a JSON island (`<script type="application/json">`) read with JSON.parse, never by
 * pasting text into code, and every message is shown through textContent: nothing inserted can become markup
 * or script.
 */

import { contentSecurityPolicy, cspHash, escapeHtml } from '../../src/security/html-page.ts';

export const PLAID_LINK_SCRIPT_URL = 'https://cdn.plaid.com/link/v2/stable/link-initialize.js';
/** Link opens its UI in an iframe served from Plaid's CDN. */
const PLAID_LINK_FRAME_ORIGIN = 'https://cdn.plaid.com/';

export interface PlaidLinkPageInput {
  /** From /link/token/create. */
  readonly linkToken: string;
  /** Where the page POSTs `{ public_token, state }` as JSON. */
  readonly postUrl: string;
  /** Opaque value tying the POST to the Slack user and request that opened the page. */
  readonly state: string;
  readonly title?: string;
}

/** JSON that is safe inside a <script> element: no "</script>", "<!--" or line separators can appear raw. */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** The page's one inline style and one inline script: constant text, so the CSP allows them by hash. */
const LINK_PAGE_STYLE = `
  body { font-family: system-ui, sans-serif; max-width: 32rem; margin: 4rem auto; padding: 0 1rem; color: #1d1c1d; }
  #status { padding: 0.75rem 1rem; border-radius: 6px; background: #f4f4f4; }
  #status[data-kind="ok"] { background: #e3f5e8; }
  #status[data-kind="error"] { background: #fde7e9; }
  button { font-size: 1rem; padding: 0.5rem 1rem; margin-top: 1rem; }
`;

const LINK_PAGE_SCRIPT = `
(function () {
  var config = JSON.parse(document.getElementById('finsync-plaid-config').textContent);
  var statusEl = document.getElementById('status');
  var button = document.getElementById('open');
  var done = false;
  function show(text, kind) {
    statusEl.textContent = text;
    statusEl.setAttribute('data-kind', kind || 'info');
  }
  function onSuccess(publicToken) {
    done = true;
    button.hidden = true;
    show('⏳ Finishing the connection…');
    fetch(config.postUrl, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      credentials: 'same-origin',
      body: JSON.stringify({ public_token: publicToken, state: config.state }),
    }).then(function (response) {
      // finsync answers why in words ({ ok: false, error }); a status code is no reason a person can act on.
      return response.json().catch(function () { return {}; }).then(function (answer) {
        if (!response.ok) throw new Error(answer.error || 'HTTP ' + response.status);
        show('✅ Connected. You can close this window and return to Slack.', 'ok');
      });
    }).catch(function (error) {
      done = false;
      show('❌ The bank was linked but finsync could not save the connection: ' + error.message + '. ' +
        'Start again from Slack with /finsync connect plaid.', 'error');
    });
  }
  function onExit(error) {
    if (done) return;
    button.hidden = false;
    if (error) {
      show('❌ Plaid Link stopped: ' + (error.display_message || error.error_message || error.error_code || 'unknown error') +
        '. Try again, or start again from Slack.', 'error');
    } else {
      show('Plaid Link was closed before a bank was connected. Select Connect Bank to try again.');
    }
  }
  function start() {
    if (!window.Plaid) {
      show('❌ Plaid Link could not be loaded. Check your connection or content blocker, then reload this page.', 'error');
      return;
    }
    var handler = window.Plaid.create({ token: config.linkToken, onSuccess: onSuccess, onExit: onExit });
    button.onclick = function () { handler.open(); };
    button.hidden = false;
    show('Select Connect Bank to log in to your bank through Plaid.');
    handler.open();
  }
  // The Link script above has loaded (or failed) by now: scripts run in document order.
  start();
})();
`;

/**
 * The page's Content-Security-Policy: our inline script and style by hash, Plaid's Link script from its CDN,
 * Link's iframe, and fetches to ourselves (the completion POST) and to the Plaid environment's API.
 * Nothing else loads, nothing may frame the page.
 */
export function plaidLinkPageCsp(plaidApiBase: string): string {
  const plaidApi = new URL(plaidApiBase).origin;
  return contentSecurityPolicy({
    'script-src': [cspHash(LINK_PAGE_SCRIPT), PLAID_LINK_SCRIPT_URL],
    'style-src': [cspHash(LINK_PAGE_STYLE)],
    'frame-src': [PLAID_LINK_FRAME_ORIGIN],
    'connect-src': ["'self'", plaidApi],
  });
}

export function renderPlaidLinkPage(input: PlaidLinkPageInput): string {
  const title = input.title ?? 'Connect your bank to finsync';
  const config = jsonForScript({ linkToken: input.linkToken, postUrl: input.postUrl, state: input.state });
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(title)}</title>
<style>${LINK_PAGE_STYLE}</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
<p id="status" role="status" aria-live="polite">⏳ Loading Plaid Link…</p>
<button id="open" type="button" hidden>Connect Bank</button>
<script src="${PLAID_LINK_SCRIPT_URL}"></script>
<script type="application/json" id="finsync-plaid-config">${config}</script>
<script>${LINK_PAGE_SCRIPT}</script>
</body>
</html>
`;
}
