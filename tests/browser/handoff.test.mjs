// QR hand-offs between the borne (kiosk listener, 1080×1920) and a phone (a
// second browser context on the web listener, 390×844): "Continuer sur mon
// téléphone" with and without the session, and "Se connecter avec mon
// téléphone". The QR codes carry public_url (http://127.0.0.1:8080 by
// default); the tests read the address printed under each code
// (`.qr-link .url`) and open its path on the test server's web listener.

import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { PASSWORD, SHOTS_DIR, VIEWPORTS, launchChromium, newContext, signIn, startKiosque } from './support.mjs';

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

const shot = (page, name) => page.screenshot({ path: path.join(SHOTS_DIR, name) });

function borne(options = {}) {
  return newContext(browser, { viewport: VIEWPORTS.borne, hasTouch: true }, options);
}

function phone() {
  return newContext(browser, { viewport: VIEWPORTS.phone, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
}

/** The address printed under the QR code, on the test server's web listener. */
async function qrAddress(page, scope = page) {
  const printed = (await scope.locator('.qr-link .url').innerText()).trim();
  const url = new URL(printed);
  assert.equal(url.origin, 'http://127.0.0.1:8080', 'the QR carries public_url');
  assert.equal(await scope.locator('.qr[role="img"] svg').count(), 1, 'a QR code is drawn');
  return `${kiosque.webUrl}${url.pathname}${url.search}`;
}

/** Accepts the charter if the server asks for it (first sign-in of that account). */
async function acceptCharterIfAsked(page) {
  if (new URL(page.url()).pathname === '/charte/accepter') {
    await Promise.all([
      page.waitForURL((url) => url.pathname !== '/charte/accepter'),
      page.getByRole('button', { name: "J'ai lu la charte et je l'accepte" }).click(),
    ]);
  }
}

describe('"Continuer sur mon téléphone"', () => {
  test('the page, then the session, move to the phone', async () => {
    const kiosk = await borne();
    const phone1 = await phone();
    const phone2 = await phone();
    try {
      const b = await kiosk.newPage();
      await signIn(b, kiosque.kioskUrl, 'agent');
      await b.goto(`${kiosque.kioskUrl}/actus`);
      const itemPath = await b.locator('main .card-title a').first().getAttribute('href');
      assert.match(itemPath, /^\/actus\/[0-9A-Z]+$/);
      await b.goto(`${kiosque.kioskUrl}${itemPath}`);
      const box = b.locator('.continue-box');
      await box.waitFor();
      const pageLink = await qrAddress(b, box);
      assert.match(new URL(pageLink).pathname, /^\/continuer\/[^/]+$/);
      await box.scrollIntoViewIfNeeded();
      await shot(b, 'qr-continue-borne.png');

      // The phone scans the page's QR: it lands on the item (after signing in).
      const p1 = await phone1.newPage();
      await p1.goto(pageLink);
      let landed = new URL(p1.url());
      if (landed.pathname === '/connexion') {
        assert.equal(landed.searchParams.get('retour'), itemPath, 'the sign-in page returns to the item');
        await p1.fill('#identifiant', 'agent');
        await p1.fill('#mot-de-passe', PASSWORD);
        await Promise.all([
          p1.waitForURL((url) => url.pathname !== '/connexion'),
          p1.getByRole('button', { name: 'Se connecter', exact: true }).click(),
        ]);
        await acceptCharterIfAsked(p1);
        landed = new URL(p1.url());
      }
      assert.equal(landed.pathname, itemPath, 'the phone shows the same item');
      await shot(p1, 'qr-continue-phone.png');
      // Single use.
      const again = await p1.goto(pageLink);
      assert.equal(again.status(), 410, 'the link works once');

      // "Emporter aussi ma session".
      await Promise.all([
        b.waitForURL((url) => url.pathname === '/continuer'),
        b.getByRole('button', { name: 'Emporter aussi ma session' }).click(),
      ]);
      await b.getByRole('heading', { level: 1, name: 'Continuer sur mon téléphone' }).waitFor();
      const sessionLink = await qrAddress(b);
      await shot(b, 'qr-session-borne.png');

      const p2 = await phone2.newPage();
      await p2.goto(sessionLink);
      await p2.getByRole('heading', { level: 1, name: 'Continuer en tant que Camille Lefèvre ?' }).waitFor();
      await shot(p2, 'qr-session-phone-confirm.png');
      await Promise.all([
        p2.waitForURL((url) => url.pathname === itemPath),
        p2.getByRole('button', { name: 'Continuer en tant que Camille Lefèvre' }).click(),
      ]);
      await p2.locator('.header-user', { hasText: 'Camille Lefèvre' }).waitFor();
      await shot(p2, 'qr-session-phone.png');

      // The borne's next navigation: signed out.
      await b.getByRole('link', { name: 'Revenir à la page' }).click();
      await b.waitForLoadState('load');
      assert.notEqual(new URL(b.url()).pathname, itemPath, 'the borne no longer shows the item');
      assert.equal(await b.locator('.header-user').count(), 0, 'the borne is signed out');
      assert.equal(await b.locator('form.logout').count(), 0, 'no sign-out form on the borne');
      await shot(b, 'qr-session-borne-after.png');
    } finally {
      await Promise.all([kiosk.close(), phone1.close(), phone2.close()]);
    }
  });
});

describe('"Se connecter avec mon téléphone"', () => {
  test('a phone signed in as rh approves, the borne opens as Nadia Benali within 3 s', async () => {
    // The borne's QR page asks the server twice a second: not stubbed here.
    const kiosk = await borne({ phonePolling: true });
    const phone1 = await phone();
    try {
      const b = await kiosk.newPage();
      await b.goto(`${kiosque.kioskUrl}/connexion`);
      await Promise.all([
        b.waitForURL((url) => url.pathname === '/connexion/telephone'),
        b.getByRole('link', { name: 'Se connecter avec mon téléphone' }).click(),
      ]);
      await b.getByRole('heading', { level: 1, name: 'Se connecter avec mon téléphone' }).waitFor();
      const link = await qrAddress(b);
      assert.match(new URL(link).pathname, /^\/borne\/[^/]+$/);
      await shot(b, 'phone-sign-in-borne.png');

      const p = await phone1.newPage();
      await signIn(p, kiosque.webUrl, 'rh');
      await p.goto(link);
      await p.getByRole('heading', { level: 1, name: /^Se connecter sur la borne .+ \?$/ }).waitFor();
      await p.getByRole('button', { name: 'Se connecter sur la borne' }).click();
      await p.getByRole('heading', { level: 1, name: "C'est fait" }).waitFor();
      const approved = Date.now();
      await shot(p, 'phone-sign-in-phone.png');

      await b.locator('.header-user', { hasText: 'Nadia Benali' }).waitFor({ timeout: 3_000 });
      const took = (Date.now() - approved) / 1000;
      assert.ok(took <= 3, `the borne opened after ${took.toFixed(1)} s`);
      await b.waitForLoadState('load');
      await shot(b, 'phone-sign-in-borne-after.png');
      // Single use: the approval page now says the code has expired.
      const reused = await p.goto(link);
      assert.equal(reused.status(), 410);
    } finally {
      await Promise.all([kiosk.close(), phone1.close()]);
    }
  });
});
