// Walk-away safety on the borne (assets/static/kiosk.js, DESIGN §5), with the
// idle limit lowered to 20 s (the smallest allowed is 15): the countdown
// (role=alertdialog) shows for the last 15 seconds; "Je suis toujours là"
// keeps the session; left alone, the page signs itself out, and Back then
// shows nothing of the agent. The browser keeps its back/forward cache on, as
// on a real borne.

import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, test } from 'node:test';

import { SHOTS_DIR, VIEWPORTS, launchChromium, newContext, signIn, startKiosque } from './support.mjs';

const IDLE = 20; // seconds
const WARN = 15; // the countdown's length: min(15, IDLE - 1)
const AGENT_NAME = 'Camille Lefèvre';

let kiosque;
let browser;

before(async () => {
  kiosque = await startKiosque({ kiosk: true, extraConfig: `[sessions]\nkiosk_idle_seconds = ${IDLE}\n` });
  browser = await launchChromium({ bfcache: true });
  await mkdir(SHOTS_DIR, { recursive: true });
});

after(async () => {
  await browser?.close();
  await kiosque?.stop();
});

/** Page text without the demo accounts list of the sign-in page (it names every agent). */
function visibleText() {
  const demo = document.querySelector('.demo-accounts')?.innerText ?? '\u0000';
  return {
    path: location.pathname,
    text: (document.body?.innerText ?? '').replace(demo, ''),
    signedInChrome: Boolean(document.querySelector('form.logout, .header-user')),
  };
}

test(`countdown, "Je suis toujours là", then signed out by itself after ${IDLE} s idle`, { timeout: 90_000 }, async () => {
  const context = await newContext(browser, { viewport: VIEWPORTS.borne, hasTouch: true });
  try {
    const page = await context.newPage();
    await signIn(page, kiosque.kioskUrl, 'agent');
    await page.goto(`${kiosque.kioskUrl}/actus`);
    const loaded = Date.now();
    assert.equal(await page.getAttribute('body', 'data-idle'), String(IDLE));

    const countdown = page.getByRole('alertdialog');
    assert.equal(await countdown.count(), 0, 'no countdown at first');
    await countdown.waitFor({ state: 'visible', timeout: (IDLE - WARN + 4) * 1000 });
    const shownAfter = (Date.now() - loaded) / 1000;
    assert.ok(shownAfter >= IDLE - WARN - 1.5, `countdown shown after ${shownAfter.toFixed(1)} s, not before ${IDLE - WARN} s`);
    assert.match(await countdown.innerText(), /Vous allez être déconnecté dans \d+ s/);
    assert.ok(await page.locator('.countdown').isVisible());
    await page.screenshot({ path: path.join(SHOTS_DIR, 'borne-countdown.png') });

    const stay = countdown.getByRole('button', { name: 'Je suis toujours là' });
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Je suis toujours là', 'the button has the focus');
    await stay.tap();
    await countdown.waitFor({ state: 'detached', timeout: 3_000 });

    // Past the original limit: still signed in, on the same page, and the
    // server agrees.
    await sleep(Math.max(0, loaded + (IDLE + 1) * 1000 - Date.now()));
    assert.equal(new URL(page.url()).pathname, '/actus', 'still on /actus');
    assert.ok(await page.locator('.header-user', { hasText: AGENT_NAME }).isVisible(), 'still signed in');
    const ping = await page.evaluate(async () => (await fetch('/session', { redirect: 'manual' })).status);
    assert.equal(ping, 204, 'the server still has the session');

    // Hands off: the countdown comes back, then the page signs out by itself.
    await page.waitForFunction(
      () => !document.querySelector('.header-user') && location.pathname !== '/actus',
      null,
      { timeout: (IDLE + 6) * 1000, polling: 250 },
    );
    await page.waitForLoadState('load');
    const gone = await page.evaluate(visibleText);
    assert.ok(['/', '/connexion'].includes(gone.path), `ends on the idle screen or the sign-in page, not ${gone.path}`);
    assert.equal(gone.signedInChrome, false);
    assert.ok(!gone.text.includes(AGENT_NAME), `${AGENT_NAME} is not shown`);
    await page.screenshot({ path: path.join(SHOTS_DIR, 'borne-walked-away.png') });
    const server = await page.evaluate(async () => (await fetch('/session', { redirect: 'manual' })).status);
    assert.notEqual(server, 204, 'the session is over on the server too');

    // The next person presses Back.
    await page.goBack().catch(() => {});
    await sleep(1_500); // let a page restored from the cache reload itself
    await page.waitForLoadState('load');
    const back = await page.evaluate(visibleText);
    assert.equal(back.signedInChrome, false, `after Back, on ${back.path}: no signed-in header`);
    assert.ok(!back.text.includes(AGENT_NAME), `after Back, on ${back.path}: ${AGENT_NAME} is not shown`);
  } finally {
    await context.close();
  }
});
