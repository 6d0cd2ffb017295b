/**
 * The only web pages finsync serves (the Plaid Link page, the hand-offs' result pages and the choice of a Sage
 * business after consent), driven in a real
 * headless Chromium as a person would use them: the link comes from Slack, the clicks go to the pages' own
 * buttons and script. Plaid's CDN is routed to the Plaid emulator, whose Link stand-in walks the sandbox flow
 * (user_good / pass_good), so the Link page runs unchanged under its real Content-Security-Policy.
 * Debian's `chromium` is driven by playwright-core (no browser download); without it the suite skips itself.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { type Browser, chromium, type Page } from 'playwright-core';
import { PLAID_LINK_SCRIPT_URL } from '../../connectors/plaid/link-page.ts';
import { freePort } from '../../src/sandbox/emulated-world.ts';
import { sendSlashCommand } from '../../src/sandbox/slack-requests.ts';
import { ADMIN, type Harness, startHarness } from '../helpers/app-harness.ts';

const CHROMIUM = process.env['FINSYNC_CHROMIUM'] || '/usr/bin/chromium';
const skip = existsSync(CHROMIUM)
  ? false
  : `Chromium not installed at ${CHROMIUM}: apt-get install chromium (or set FINSYNC_CHROMIUM) to run this test`;

/** A loaded 2-core machine: waits are generous, none is a fixed sleep. */
const WAIT_MS = 20_000;
const PLAID_CDN = new URL(PLAID_LINK_SCRIPT_URL).origin;

let h: Harness;
let browser: Browser;

interface BrowserWindow {
  readonly page: Page;
  /** Console errors (Chromium reports CSP violations there) and uncaught exceptions, in order. */
  readonly problems: string[];
}

/**
 * `use` in a fresh browser window whose requests to Plaid's CDN reach the Plaid emulator. The window is closed
 * afterwards; a failure carries what the page reported, so a blocked script reads as itself, not as a timeout.
 */
async function inWindow(use: (window: BrowserWindow) => Promise<void>): Promise<void> {
  // A phone: links from Slack are often tapped in its mobile app.
  const context = await browser.newContext({
    viewport: { width: 390, height: 844 },
    isMobile: true,
    hasTouch: true,
  });
  try {
    context.setDefaultTimeout(WAIT_MS);
    context.setDefaultNavigationTimeout(WAIT_MS);
    await context.route(`${PLAID_CDN}/**`, async (route) => {
      const request = route.request();
      const url = new URL(request.url());
      const body = request.postData();
      const answer = await fetch(`${h.plaid.url}${url.pathname}${url.search}`, {
        method: request.method(),
        headers: { 'content-type': request.headers()['content-type'] ?? 'text/plain' },
        ...(body === null ? {} : { body }),
      });
      await route.fulfill({
        status: answer.status,
        contentType: answer.headers.get('content-type') ?? 'text/plain',
        body: Buffer.from(await answer.arrayBuffer()),
      });
    });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console: ${message.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    await use({ page, problems }).catch((error: unknown) => {
      if (problems.length > 0 && error instanceof Error)
        error.message += `\nThe page reported:\n${problems.join('\n')}`;
      throw error;
    });
  } finally {
    await context.close();
  }
}

/** What a result page answered with a 4xx status also logs to the console; anything else is a problem. */
const unexpected = (problems: readonly string[]) =>
  problems.filter(
    (p) => !/^console: Failed to load resource: the server responded with a status of 4\d\d/.test(p),
  );

/** `/finsync <text>` typed by the admin in Slack; the link on the button Slack then shows. */
async function linkFromSlack(text: string, where: 'modal' | 'reply'): Promise<string> {
  const seen = h.slack.calls.length;
  const id = `browser-${text.replace(/\W+/g, '-')}-${seen}`;
  const sent = await sendSlashCommand(h.target, {
    text,
    userId: ADMIN,
    responseUrl: h.slack.responseUrl(id),
  });
  assert.equal(sent.status, 200);
  const shown =
    where === 'modal'
      ? (await h.slack.waitForCall('views.open', (c) => h.slack.calls.indexOf(c) >= seen, WAIT_MS)).args[
          'view'
        ]
      : (await h.slack.waitForResponse((r) => r.id === id, WAIT_MS)).body;
  const url = /"url":"([^"]+)"/.exec(JSON.stringify(shown))?.[1];
  assert.ok(url, `a link button in ${JSON.stringify(shown)}`);
  return url;
}

/** The Plaid Link frame the Link page opens (served by the Plaid emulator in place of Plaid's CDN). */
const linkFrame = (page: Page) => page.frameLocator('iframe[title="Plaid Link"]');

/** A person through Plaid's sandbox Link: consent, their bank, its test login, and Link's success pane. */
async function walkLink(page: Page): Promise<void> {
  const link = linkFrame(page);
  await link.getByRole('button', { name: 'Continue' }).click();
  await link.getByRole('button', { name: 'First Platypus Bank' }).click();
  await link.getByLabel('Username').fill('user_good');
  await link.getByLabel('Password').fill('pass_good');
  await link.getByRole('button', { name: 'Submit' }).click();
  await link.getByRole('button', { name: 'Continue' }).click();
}

/** What the person reads on a result page: its heading and its sentence, laid out for the phone's width. */
async function resultPage(page: Page): Promise<{ title: string; text: string }> {
  assert.equal(await page.evaluate('window.innerWidth'), 390, 'laid out at the phone width, not zoomed out');
  return {
    title: (await page.locator('h1').textContent()) ?? '',
    text: (await page.locator('p').first().textContent()) ?? '',
  };
}

describe('the pages finsync serves, in headless Chromium', () => {
  before(async () => {
    if (skip) return;
    // As in the sandbox: the app's real port, so the links it gives (FINSYNC_PUBLIC_URL) open in a browser.
    h = await startHarness({ env: { PORT: String(await freePort()) } });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox'],
      timeout: WAIT_MS,
    });
  });
  after(async () => {
    await browser?.close();
    await h?.close();
  });

  test('Plaid Link: closed once, reopened with Connect Bank, logged in to the sandbox bank: the item is connected', {
    skip,
  }, async () => {
    const url = await linkFromSlack('connect plaid', 'modal');
    await inWindow(async ({ page, problems }) => {
      const opened = await page.goto(url);
      assert.equal(opened?.status(), 200);
      assert.equal(await page.evaluate('window.innerWidth'), 390, 'laid out at the phone width');
      const link = linkFrame(page);

      // Link opens by itself; the person closes it, reads why nothing happened, and opens it again.
      await link.getByRole('button', { name: 'Close' }).click();
      await page.locator('#status', { hasText: 'closed before a bank was connected' }).waitFor();
      await page.getByRole('button', { name: 'Connect Bank' }).click();
      await walkLink(page);

      const status = page.locator('#status[data-kind="ok"]');
      await status.waitFor();
      assert.equal(
        await status.textContent(),
        '✅ Connected. You can close this window and return to Slack.',
      );
      assert.equal(await page.locator('iframe').count(), 0, 'Link is gone');
      assert.deepEqual(problems, []);

      const connection = await h.app.store.getConnection('plaid');
      assert.equal(connection?.provider, 'plaid');
      assert.match(connection?.accountLabel ?? '', /^First Platypus Bank \(item-sandbox-\d+\)$/);
      const update = await h.slack.waitForCall(
        'views.update',
        (c) => /Connected Plaid as `plaid`/.test(JSON.stringify(c.args['view'])),
        WAIT_MS,
      );
      assert.ok(update);

      // The link in Slack is single-use: opening it again shows a page in words, no Link.
      const again = await page.goto(url);
      assert.equal(again?.status(), 400);
      assert.deepEqual(await resultPage(page), {
        title: 'This link has expired',
        text: 'Start again from Slack with /finsync connect plaid.',
      });
      assert.deepEqual(unexpected(problems), []);
    });
  });

  test('Plaid Link: one link opened in two windows connects once; the other window says why it was not saved', {
    skip,
  }, async () => {
    const url = await linkFromSlack('connect plaid', 'modal');
    const before = (await h.app.store.listConnections()).length;
    await inWindow(async (late) => {
      await late.page.goto(url);
      await linkFrame(late.page).getByRole('button', { name: 'Continue' }).waitFor();
      await inWindow(async (first) => {
        await first.page.goto(url);
        await walkLink(first.page);
        await first.page.locator('#status[data-kind="ok"]').waitFor();
        assert.deepEqual(first.problems, []);
      });
      await walkLink(late.page);
      const status = late.page.locator('#status[data-kind="error"]');
      await status.waitFor();
      assert.equal(
        await status.textContent(),
        '❌ The bank was linked but finsync could not save the connection: this link was already used, has expired, or did not come from finsync. Start again from Slack with /finsync connect plaid.',
      );
      assert.deepEqual(unexpected(late.problems), []);
    });
    assert.equal((await h.app.store.listConnections()).length, before + 1, 'connected once');
  });

  test('QuickBooks: consent at Intuit ends on the connected page; reloading it shows the link expired', {
    skip,
  }, async () => {
    const url = await linkFromSlack('connect quickbooks', 'reply');
    await inWindow(async ({ page, problems }) => {
      const landed = await page.goto(url);
      assert.equal(landed?.status(), 200);
      assert.equal(new URL(page.url()).pathname, '/oauth/quickbooks/callback');
      const connection = await h.app.store.getConnection('quickbooks');
      assert.ok(connection, 'the company is connected');
      assert.deepEqual(await resultPage(page), {
        title: 'QuickBooks Online is connected',
        text: `${connection.accountLabel} is connected to finsync as "quickbooks". You can close this window and return to Slack.`,
      });
      assert.deepEqual(problems, []);

      // Reloading the result page replays Intuit's answer: its state is used, so nothing changes.
      const reloaded = await page.reload();
      assert.equal(reloaded?.status(), 400);
      assert.deepEqual(await resultPage(page), {
        title: 'This link has expired',
        text: 'It was already used, is older than 15 minutes, or did not come from finsync. Nothing was changed. Start again from Slack with /finsync connect quickbooks.',
      });
      assert.equal(
        (await h.app.store.listConnections()).filter((c) => c.provider === 'quickbooks').length,
        1,
      );
      assert.deepEqual(unexpected(problems), []);
    });
  });

  test('Sage: a user of several businesses chooses one on the page after consent; that one is connected', {
    skip,
  }, async () => {
    const url = await linkFromSlack('connect sage', 'reply');
    h.sage.control.setConsent({ user: 'user-multi' });
    try {
      await inWindow(async ({ page, problems }) => {
        const landed = await page.goto(url);
        assert.equal(landed?.status(), 200);
        assert.equal(new URL(page.url()).pathname, '/oauth/sage/callback');
        assert.equal(await page.locator('h1').textContent(), 'Choose the Sage Accounting business');
        assert.deepEqual(await page.getByRole('radio').count(), 2);
        // Nothing preselected: submitting without a choice stays on the question.
        await page.getByRole('button', { name: 'Connect this business' }).click();
        assert.equal(new URL(page.url()).pathname, '/oauth/sage/callback');
        assert.equal(await h.app.store.getConnection('sage'), undefined);

        await page.getByRole('radio', { name: /Emulated Sage Ltd/ }).check();
        const [answer] = await Promise.all([
          page.waitForNavigation(),
          page.getByRole('button', { name: 'Connect this business' }).click(),
        ]);
        assert.equal(answer?.status(), 200);
        assert.equal(new URL(page.url()).pathname, '/oauth/sage/choose');
        const connection = await h.app.store.getConnection('sage');
        assert.equal(connection?.accountId, '0d40342d0287cd6b13555c54afca6c90');
        assert.deepEqual(await resultPage(page), {
          title: 'Sage Accounting is connected',
          text: `${connection!.accountLabel} is connected to finsync as "sage". You can close this window and return to Slack.`,
        });
        assert.deepEqual(problems, [], 'the form posted under the page CSP without a violation');
      });
    } finally {
      h.sage.control.setConsent({ user: 'user-single' });
    }
  });
});
