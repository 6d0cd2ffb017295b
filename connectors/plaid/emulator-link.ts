/**
 * Plaid Link's browser side, emulated: what `https://cdn.plaid.com/link/v2/stable/` serves to a person's
 * browser. `link-initialize.js` defines `window.Plaid.create({ token, onSuccess, onExit })`, whose `open()`
 * shows Link in an iframe from the script's own origin; the frame walks Plaid's sandbox flow (consent, choose
 * an institution, log in with `user_good` / `pass_good`, success) and posts the result to the page the way
 * Link does, with postMessage. Update mode (a link token made for an item's access token) skips the
 * institution and repairs that item's login. A browser test routes Plaid's CDN to the emulator, so the Link
 * page runs unchanged, under its real Content-Security-Policy.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { escapeHtml } from '../../src/security/html-page.ts';
import { SANDBOX_INSTITUTIONS } from './emulator-data.ts';
import type { EmulatorState } from './emulator-state.ts';

const ASSETS = '/link/v2/stable/';
const INITIALIZE = `${ASSETS}link-initialize.js`;
const FRAME = `${ASSETS}link.html`;
const SUBMIT = `${ASSETS}emulator/submit`;

/** The sandbox's test credentials, as Plaid documents them. */
export const SANDBOX_USERNAME = 'user_good';
export const SANDBOX_PASSWORD = 'pass_good';

export function isLinkPath(path: string): boolean {
  return path === INITIALIZE || path === FRAME || path === SUBMIT;
}

const INITIALIZE_SCRIPT = `(function () {
  var src = document.currentScript.src;
  var origin = new URL(src).origin;
  var frameUrl = new URL('link.html', src).href;
  window.Plaid = {
    create: function (config) {
      var frame = null;
      function close() {
        window.removeEventListener('message', onMessage);
        if (frame) frame.remove();
        frame = null;
      }
      function onMessage(event) {
        if (!frame || event.source !== frame.contentWindow || event.origin !== origin) return;
        var data = event.data || {};
        if (data.action === 'success') {
          close();
          config.onSuccess(data.public_token, data.metadata || {});
        } else if (data.action === 'exit') {
          close();
          if (config.onExit) config.onExit(data.error || null, data.metadata || {});
        }
      }
      return {
        open: function () {
          if (frame) return;
          frame = document.createElement('iframe');
          frame.title = 'Plaid Link';
          frame.src = frameUrl + '?token=' + encodeURIComponent(config.token) +
            '&origin=' + encodeURIComponent(window.location.origin);
          var s = frame.style;
          s.position = 'fixed'; s.top = '0'; s.left = '0'; s.width = '100%'; s.height = '100%';
          s.border = '0'; s.zIndex = '2147483647'; s.background = 'rgba(0, 0, 0, 0.4)';
          window.addEventListener('message', onMessage);
          document.body.appendChild(frame);
        },
        exit: close,
        destroy: close,
      };
    },
  };
})();
`;

const FRAME_SCRIPT = `(function () {
  var config = JSON.parse(document.getElementById('config').textContent);
  var panes = ['consent', 'institutions', 'login', 'success'];
  var chosen = config.institution;
  var result = null;
  function show(name) {
    panes.forEach(function (p) { document.getElementById(p).hidden = p !== name; });
  }
  function tell(message) { window.parent.postMessage(message, config.origin); }
  document.getElementById('close').onclick = function () {
    tell({ action: 'exit', error: null, metadata: { status: 'requires_credentials' } });
  };
  document.getElementById('continue').onclick = function () {
    show(chosen ? 'login' : 'institutions');
  };
  Array.prototype.forEach.call(document.querySelectorAll('[data-institution]'), function (button) {
    button.onclick = function () {
      chosen = { institution_id: button.getAttribute('data-institution'), name: button.textContent };
      document.getElementById('bank').textContent = chosen.name;
      show('login');
    };
  });
  document.getElementById('login').onsubmit = function (event) {
    event.preventDefault();
    var error = document.getElementById('error');
    error.textContent = '';
    fetch('emulator/submit', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        link_token: config.token,
        institution_id: chosen.institution_id,
        username: document.getElementById('username').value,
        password: document.getElementById('password').value,
      }),
    }).then(function (response) { return response.json(); }).then(function (body) {
      if (body.error_code) { error.textContent = body.display_message || body.error_message; return; }
      result = body;
      show('success');
    }).catch(function () { error.textContent = 'Something went wrong. Please try again.'; });
  };
  document.getElementById('done').onclick = function () {
    tell({ action: 'success', public_token: result.public_token, metadata: result.metadata });
  };
  if (config.error) {
    tell({ action: 'exit', error: config.error, metadata: { status: null } });
    return;
  }
  if (chosen) document.getElementById('bank').textContent = chosen.name;
  show('consent');
})();
`;

function framePage(config: object): string {
  const institutions = Object.entries(SANDBOX_INSTITUTIONS)
    .map(
      ([id, name]) =>
        `<li><button type="button" data-institution="${escapeHtml(id)}">${escapeHtml(name)}</button></li>`,
    )
    .join('');
  const island = JSON.stringify(config).replace(/</g, '\\u003c');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Plaid Link</title>
<style>body{font-family:system-ui,sans-serif;margin:0;display:flex;justify-content:center;align-items:center;height:100vh}
main{background:#fff;border-radius:12px;padding:1.5rem;width:22rem;position:relative}
#close{position:absolute;top:.5rem;right:.5rem}ul{list-style:none;padding:0}li{margin:.25rem 0}
input{display:block;margin:.25rem 0 .75rem;width:100%}#error{color:#b00020}</style></head>
<body><main>
<button id="close" type="button" aria-label="Close">×</button>
<section id="consent" hidden><h1>finsync uses Plaid to connect your account</h1>
<p>Sandbox: no real bank is contacted.</p><button id="continue" type="button">Continue</button></section>
<section id="institutions" hidden><h1>Select your bank</h1><ul>${institutions}</ul></section>
<form id="login" hidden><h1>Log in to <span id="bank"></span></h1>
<label>Username <input id="username" name="username" autocomplete="off"></label>
<label>Password <input id="password" name="password" type="password" autocomplete="off"></label>
<p>Sandbox credentials: ${SANDBOX_USERNAME} / ${SANDBOX_PASSWORD}</p>
<p id="error" role="alert"></p><button type="submit">Submit</button></form>
<section id="success" hidden><h1>Success</h1><p>Your account has been linked to finsync.</p>
<button id="done" type="button">Continue</button></section>
</main>
<script type="application/json" id="config">${island}</script>
<script>${FRAME_SCRIPT}</script></body></html>`;
}

interface LinkError {
  readonly error_type: string;
  readonly error_code: string;
  readonly error_message: string;
  readonly display_message: string | null;
}

const linkError = (code: string, message: string, display: string | null = null): LinkError => ({
  error_type: code === 'INVALID_CREDENTIALS' ? 'ITEM_ERROR' : 'INVALID_INPUT',
  error_code: code,
  error_message: message,
  display_message: display,
});

/** What submitting the login form does: a public token for a new item (or the repaired one), or an error. */
function submit(
  body: Readonly<Record<string, unknown>>,
  state: EmulatorState,
): { status: number; body: object } {
  const token = typeof body['link_token'] === 'string' ? body['link_token'] : '';
  const session = state.linkTokens.get(token);
  if (!session) return { status: 400, body: linkError('INVALID_LINK_TOKEN', 'invalid link_token provided') };
  if (body['username'] !== SANDBOX_USERNAME || body['password'] !== SANDBOX_PASSWORD) {
    return {
      status: 400,
      body: linkError(
        'INVALID_CREDENTIALS',
        'the provided credentials were not correct',
        'The credentials you entered were incorrect. Please check them and try again.',
      ),
    };
  }
  const updated = state.updateModeTokens.get(token);
  const institutionId = typeof body['institution_id'] === 'string' ? body['institution_id'] : '';
  if (updated === undefined && SANDBOX_INSTITUTIONS[institutionId] === undefined)
    return { status: 400, body: linkError('INVALID_INSTITUTION', 'invalid institution_id provided') };
  const item =
    updated === undefined
      ? state.createItem(institutionId, session.products, session.webhook)
      : state.itemOf(updated);
  item.error = null;
  state.linkTokens.delete(token);
  return {
    status: 200,
    body: {
      public_token: state.createPublicToken(item),
      metadata: {
        institution: { institution_id: item.institutionId, name: SANDBOX_INSTITUTIONS[item.institutionId] },
        accounts: item.accounts.map((a) => ({ id: a.id, name: a.name, mask: a.mask })),
        link_session_id: `link-session-${item.itemId}`,
      },
    },
  };
}

async function readJson(req: IncomingMessage): Promise<Readonly<Record<string, unknown>>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > 64 * 1024) return {};
    chunks.push(chunk as Buffer);
  }
  try {
    const parsed: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** Serves one Link path (`isLinkPath`): the script, the frame, or the frame's login submission. */
export async function serveLink(
  req: IncomingMessage,
  res: ServerResponse,
  state: EmulatorState,
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://emulator');
  const send = (status: number, type: string, body: string) => {
    res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
    res.end(body);
  };
  if (url.pathname === INITIALIZE) return send(200, 'text/javascript; charset=utf-8', INITIALIZE_SCRIPT);
  if (url.pathname === FRAME) {
    const token = url.searchParams.get('token') ?? '';
    const updated = state.updateModeTokens.get(token);
    const item = updated === undefined ? undefined : state.items.get(updated);
    const config = {
      token,
      origin: url.searchParams.get('origin') ?? '*',
      institution: item
        ? {
            institution_id: item.institutionId,
            name: SANDBOX_INSTITUTIONS[item.institutionId] ?? 'your bank',
          }
        : null,
      error: state.linkTokens.has(token)
        ? null
        : linkError('INVALID_LINK_TOKEN', 'invalid link_token provided', 'This link has expired.'),
    };
    return send(200, 'text/html; charset=utf-8', framePage(config));
  }
  if (req.method !== 'POST') return send(405, 'text/plain', 'method not allowed');
  const answer = submit(await readJson(req), state);
  return send(answer.status, 'application/json', JSON.stringify(answer.body));
}
