// The borne's on-screen AZERTY keyboard (assets/static/kiosk.js), used by
// touch only, as on the real borne (kiosk listener, 1080×1920, touch screen,
// no physical keyboard): a tap in a text field opens it; its keys type
// letters, accents and capitals into the field, which keeps the focus; the
// agent signs in with it. A personal device (web listener) never gets it.

import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { SHOTS_DIR, VIEWPORTS, launchChromium, newContext, startKiosque } from './support.mjs';

let kiosque;
let browser;

before(async () => {
  kiosque = await startKiosque({ kiosk: true });
  browser = await launchChromium();
  await mkdir(SHOTS_DIR, { recursive: true });
});

after(async () => {
  await browser?.close();
  await kiosque?.stop();
});

function borne() {
  return newContext(browser, { viewport: VIEWPORTS.borne, hasTouch: true });
}

/** Types `text` by tapping the keyboard's keys (named by their aria-label). */
async function tapKeys(page, text) {
  const osk = page.getByRole('group', { name: 'Clavier à l’écran' });
  for (const ch of text) {
    await osk.getByRole('button', { name: ch, exact: true }).tap();
  }
}

async function focusedId(page) {
  return page.evaluate(() => document.activeElement?.id ?? null);
}

describe('on-screen keyboard on the borne', () => {
  test('opens on a tap in a field; signing in by tapping keys only', async () => {
    const context = await borne();
    try {
      const page = await context.newPage();
      await page.goto(`${kiosque.kioskUrl}/connexion`);
      assert.equal(await page.getAttribute('body', 'data-device'), 'kiosk');
      const osk = page.getByRole('group', { name: 'Clavier à l’écran' });
      assert.equal(await page.locator('.osk').count(), 1, 'the keyboard is in the page');
      assert.equal(await osk.isVisible(), false, 'hidden until a field is touched');

      await page.locator('#identifiant').tap();
      await osk.waitFor({ state: 'visible' });
      assert.equal(await page.getAttribute('#identifiant', 'inputmode'), 'none', 'no system keyboard');
      await tapKeys(page, 'agent');
      assert.equal(await page.inputValue('#identifiant'), 'agent');
      assert.equal(await focusedId(page), 'identifiant', 'the field keeps the focus while keys are tapped');
      await page.screenshot({ path: path.join(SHOTS_DIR, 'borne-keyboard.png') });

      await page.locator('#mot-de-passe').tap();
      assert.ok(await osk.isVisible(), 'still open in the password field');
      await tapKeys(page, 'kiosque');
      assert.equal(await page.inputValue('#mot-de-passe'), 'kiosque');
      assert.equal(await page.inputValue('#identifiant'), 'agent', 'the login is untouched');

      await Promise.all([
        page.waitForURL((url) => url.pathname !== '/connexion'),
        page.getByRole('button', { name: 'Se connecter', exact: true }).tap(),
      ]);
      // First sign-in of `agent` on this server: the charter comes first.
      assert.equal(new URL(page.url()).pathname, '/charte/accepter', 'signed in, asked to accept the charter');
      const accept = page.getByRole('button', { name: "J'ai lu la charte et je l'accepte" });
      await Promise.all([page.waitForURL((url) => url.pathname !== '/charte/accepter'), accept.tap()]);
      await page.locator('.header-user', { hasText: 'Camille Lefèvre' }).waitFor();
    } finally {
      await context.close();
    }
  });

  test('accents, Majuscule (one letter) and Effacer', async () => {
    const context = await borne();
    try {
      const page = await context.newPage();
      await page.goto(`${kiosque.kioskUrl}/connexion`);
      const osk = page.getByRole('group', { name: 'Clavier à l’écran' });
      await page.locator('#identifiant').tap();
      await osk.waitFor({ state: 'visible' });
      const shift = osk.getByRole('button', { name: 'Majuscule' });

      await tapKeys(page, 'é');
      assert.equal(await page.inputValue('#identifiant'), 'é');

      assert.equal(await shift.getAttribute('aria-pressed'), 'false');
      await shift.tap();
      assert.equal(await shift.getAttribute('aria-pressed'), 'true', 'Majuscule is on');
      assert.equal(await osk.getByRole('button', { name: 'a', exact: true }).textContent(), 'A', 'keys show capitals');
      await tapKeys(page, 'l');
      assert.equal(await shift.getAttribute('aria-pressed'), 'false', 'Majuscule is for one letter');
      await tapKeys(page, 'o');
      await shift.tap();
      await tapKeys(page, 'è');
      await tapKeys(page, 'ç');
      assert.equal(await page.inputValue('#identifiant'), 'éLoÈç');

      await osk.getByRole('button', { name: 'Effacer' }).tap();
      assert.equal(await page.inputValue('#identifiant'), 'éLoÈ');
      await osk.getByRole('button', { name: 'Espace' }).tap();
      await osk.getByRole('button', { name: 'Arobase' }).tap();
      assert.equal(await page.inputValue('#identifiant'), 'éLoÈ @');
      assert.equal(await focusedId(page), 'identifiant');

      await osk.getByRole('button', { name: 'Fermer le clavier' }).tap();
      await osk.waitFor({ state: 'hidden' });
    } finally {
      await context.close();
    }
  });
});

test('no on-screen keyboard on a personal device (web listener)', async () => {
  const context = await newContext(browser, {
    viewport: VIEWPORTS.phone,
    isMobile: true,
    hasTouch: true,
    deviceScaleFactor: 2,
  });
  try {
    const page = await context.newPage();
    await page.goto(`${kiosque.webUrl}/connexion`);
    assert.equal(await page.getAttribute('body', 'data-device'), 'personal');
    await page.locator('#identifiant').tap();
    assert.equal(await focusedId(page), 'identifiant');
    assert.equal(await page.locator('.osk').count(), 0, 'no .osk element');
    assert.equal(await page.locator('script[src*="kiosk"]').count(), 0, 'kiosk.js is not loaded');
    assert.equal(await page.getAttribute('#identifiant', 'inputmode'), null, "the phone's own keyboard is kept");
  } finally {
    await context.close();
  }
});
