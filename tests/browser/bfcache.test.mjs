// The Back button on a borne shows nothing of the previous agent (DESIGN §5).
//
// Chromium keeps pages in its back/forward cache (bfcache), with
// `Cache-Control: no-store` too, and restores them, typed form values
// included, without asking the server. Playwright switches that cache off by
// default; here it is on, as on a real borne. Defences under test: the
// `pageshow` handler of kiosque.js (reload a page restored from the cache, so
// that the server decides again), `autocomplete="off"` on the borne's sign-in
// form, and what the server does at sign-out.

import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';

import {
  PASSWORD,
  VIEWPORTS,
  endSessionsAsAdmin,
  launchChromium,
  newContext,
  signIn,
  startKiosque,
} from './support.mjs';

const AGENT_NAME = 'Camille Lefèvre';

let kiosque;
let browser;

before(async () => {
  kiosque = await startKiosque({ kiosk: true });
  browser = await launchChromium({ bfcache: true });
});

after(async () => {
  await browser?.close();
  await kiosque?.stop();
});

/** A borne's tab, with the DevTools events that tell how each page came back. */
async function borneTab() {
  const context = await newContext(browser, { viewport: VIEWPORTS.borne, hasTouch: true });
  // kiosque has no icon: Chromium's request for /favicon.ico gets a no-store
  // answer (303 to the sign-in page, or a 404 page), and a page that received
  // a no-store subresource is not kept in the cache, depending on whether that
  // request finished before the agent left the page. Answer it with a
  // cacheable 404 so that the cache behaves as it will once the site has an
  // icon: the worst case, every time.
  await context.route('**/favicon.ico', (route) =>
    route.fulfill({ status: 404, headers: { 'cache-control': 'max-age=86400' }, body: '' }),
  );
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Page.enable');
  const events = { restored: [], notRestored: [], navigations: [] };
  cdp.on('Page.frameNavigated', (e) => {
    if (e.frame.parentId) return;
    const url = new URL(e.frame.url);
    events.navigations.push(`${e.type === 'BackForwardCacheRestore' ? 'restored' : 'loaded'} ${url.pathname}${url.search}`);
    if (e.type === 'BackForwardCacheRestore') events.restored.push(e.frame.url);
  });
  cdp.on('Page.backForwardCacheNotUsed', (e) => {
    events.notRestored.push((e.notRestoredExplanations ?? []).map((x) => x.reason).join(', '));
  });
  const historyIndex = async () => (await cdp.send('Page.getNavigationHistory')).currentIndex;
  return { context, page, events, historyIndex };
}

/** What the agent standing at the borne sees now. */
function snapshot() {
  const field = (sel) => document.querySelector(sel)?.value ?? null;
  return {
    url: location.pathname + location.search,
    h1: document.querySelector('h1')?.textContent.trim() ?? null,
    // The demo mode's sign-in page lists the demo accounts ("agent — Camille
    // Lefèvre…"): that list is not the previous agent's content.
    text: (document.body?.innerText ?? '').replace(document.querySelector('.demo-accounts')?.innerText ?? '\u0000', ''),
    signedInChrome: Boolean(document.querySelector('form.logout, nav.site-nav, .header-user')),
    login: field('#identifiant'),
    password: field('#mot-de-passe'),
  };
}

/**
 * Polls what the page shows until `ok(state)` holds (a page restored from the
 * cache may be reloading: the handler runs in `pageshow`), for at most
 * `timeout` ms. Returns the last state seen and whether it was acceptable.
 */
async function settle(page, ok, timeout = 10_000) {
  const deadline = Date.now() + timeout;
  let last = null;
  for (;;) {
    try {
      last = await page.evaluate(snapshot);
      if (ok(last)) return { ok: true, state: last };
    } catch {
      // the document is being replaced
    }
    if (Date.now() > deadline) return { ok: false, state: last };
    await sleep(100);
  }
}

/** Nothing of the previous agent: no name, no signed-in header or menu, nothing typed. */
const nothingOfTheAgent = (s) => !s.signedInChrome && !s.text.includes(AGENT_NAME) && !s.login && !s.password;

/** The sign-in page, blank. */
const signedOutPage = (s) => s.h1 === 'Se connecter' && nothingOfTheAgent(s);

function describeState(s) {
  if (!s) return 'nothing readable';
  return `${s.url}: h1 "${s.h1}", signed-in header/menu: ${s.signedInChrome}, shows "${AGENT_NAME}": ${s.text.includes(AGENT_NAME)}, typed login "${s.login}", typed password ${s.password ? 'present' : 'empty'}`;
}

describe('back/forward cache on a borne (kiosk listener, bfcache on)', () => {
  test('after "Se déconnecter", Back shows nothing of the agent and ends on the sign-in page', async (t) => {
    const { context, page, events, historyIndex } = await borneTab();
    try {
      await page.goto(`${kiosque.kioskUrl}/connexion`);
      assert.equal(await page.getAttribute('body', 'data-device'), 'kiosk');
      assert.equal(await page.getAttribute('form[action="/connexion"]', 'autocomplete'), 'off');
      assert.equal(await page.locator('input[name="rester_connecte"]').count(), 0);

      await signIn(page, kiosque.kioskUrl, 'agent');
      const response = await page.goto(`${kiosque.kioskUrl}/annuaire/moi`);
      assert.match(await response.text(), new RegExp(AGENT_NAME));
      assert.equal(response.headers()['cache-control'], 'no-store');

      await Promise.all([
        page.waitForURL((url) => url.pathname === '/connexion'),
        page.getByRole('button', { name: 'Se déconnecter' }).click(),
      ]);
      let result = await settle(page, signedOutPage);
      assert.ok(result.ok, `after sign-out: ${describeState(result.state)}`);

      // Back, again and again, to the first page of the tab (entry 0 is the
      // new tab's about:blank): the agent's card, the home page (signed out,
      // a borne shows its idle screen there), the charter, and the sign-in
      // page where the agent typed their login and password.
      const start = await historyIndex();
      assert.ok(start >= 4, `history index ${start} after sign-in, charter, home, card, sign-out`);
      for (let step = 1; step < start; step += 1) {
        await page.goBack({ waitUntil: 'commit' });
        const last = step === start - 1;
        result = await settle(page, last ? signedOutPage : nothingOfTheAgent);
        assert.ok(result.ok, `Back ×${step}: ${describeState(result.state)}`);
      }
      assert.equal(result.state.h1, 'Se connecter');
      assert.equal(result.state.url, '/connexion');
      t.diagnostic(`restored from bfcache: ${events.restored.join(' ') || 'none'}`);
      t.diagnostic(`not restored: ${events.notRestored.join(' | ') || 'none'}`);
    } finally {
      await context.close();
    }
  });

  test('values typed in the sign-in form are gone after leaving and coming Back', async (t) => {
    const { context, page, events } = await borneTab();
    try {
      await page.goto(`${kiosque.kioskUrl}/connexion`);
      await page.fill('#identifiant', 'agent');
      await page.fill('#mot-de-passe', PASSWORD);
      // Leave without submitting (a footer link; signed out, it comes back to
      // the sign-in page with another address), then Back.
      await Promise.all([
        page.waitForURL((url) => url.search.includes('retour')),
        page.click('footer a[href="/charte"]'),
      ]);
      await page.goBack({ waitUntil: 'commit' });
      const result = await settle(page, signedOutPage);
      assert.ok(result.ok, `Back to the sign-in form: ${describeState(result.state)}`);
      assert.ok(
        events.restored.length > 0,
        'Chromium did not restore the sign-in page from its back/forward cache ' +
          `(${events.notRestored.join(' | ') || 'no reason given'}; ${events.navigations.join(', ')}): ` +
          'this test no longer exercises the pageshow defence',
      );
      t.diagnostic(`restored from bfcache, then reloaded: ${events.restored.join(' ')}`);
    } finally {
      await context.close();
    }
  });

  test('a page kept in the cache is refused on Back once the session has ended on the server', async (t) => {
    const { context, page, events } = await borneTab();
    try {
      await signIn(page, kiosque.kioskUrl, 'agent');
      const response = await page.goto(`${kiosque.kioskUrl}/annuaire/moi`);
      assert.match(await response.text(), new RegExp(AGENT_NAME));
      // The agent walks on to another page (/annuaire/moi goes into the cache)…
      await Promise.all([
        page.waitForURL((url) => url.pathname === '/actus'),
        page.click('nav.site-nav a[href="/actus"]'),
      ]);
      // …and the session ends without the browser being told (idle limit, or
      // an administrator), so no cookie changes. The next person presses Back.
      await endSessionsAsAdmin(kiosque.webUrl, 'agent');
      await page.goBack({ waitUntil: 'commit' });
      const result = await settle(page, signedOutPage);
      assert.ok(result.ok, `Back after the session ended: ${describeState(result.state)}`);
      assert.equal(new URL(page.url()).pathname, '/connexion');
      assert.ok(
        events.restored.some((u) => u.endsWith('/annuaire/moi')),
        'Chromium did not restore /annuaire/moi from its back/forward cache ' +
          `(${events.notRestored.join(' | ') || 'no reason given'}; ${events.navigations.join(', ')}): ` +
          'this test no longer exercises the pageshow defence',
      );
      t.diagnostic(`restored from bfcache, then reloaded: ${events.restored.join(' ')}`);
    } finally {
      await context.close();
    }
  });
});
