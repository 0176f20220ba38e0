// The sign-in form by device. "Rester connecté" exists only on personal
// devices (DESIGN §5): offered on a phone (web listener from 127.0.0.1 =
// personal), absent on a borne (kiosk listener), and refused by the server on
// a borne even if the field is forced into the form. On a borne, what the
// agent types stays until they submit it.

import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';

import { PASSWORD, VIEWPORTS, launchChromium, newContext, signIn, startKiosque } from './support.mjs';

const DAY = 24 * 3600;
const COOKIE = 'kiosque_session';

let kiosque;
let browser;

before(async () => {
  kiosque = await startKiosque({ kiosk: true });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await kiosque?.stop();
});

async function sessionCookie(context) {
  const cookie = (await context.cookies()).find((c) => c.name === COOKIE);
  assert.ok(cookie, `no ${COOKIE} cookie`);
  return cookie;
}

function phone() {
  return newContext(browser, {
    viewport: VIEWPORTS.phone,
    isMobile: true,
    hasTouch: true,
    deviceScaleFactor: 2,
  });
}

describe('"Rester connecté"', () => {
  test('on a phone: offered, and when ticked the session cookie lasts 30 days', async () => {
    const context = await phone();
    try {
      const page = await context.newPage();
      await page.goto(`${kiosque.webUrl}/connexion`);
      assert.equal(await page.getAttribute('body', 'data-device'), 'personal');
      const box = page.getByRole('checkbox', { name: /Rester connecté sur cet appareil \(30 jours\)/ });
      assert.ok(await box.isVisible(), 'the checkbox is visible');
      assert.equal(await box.isChecked(), false, 'not ticked by default');
      // Its label is the touch target: a tap on the text ticks it.
      await page.getByText('Rester connecté sur cet appareil').tap();
      assert.equal(await box.isChecked(), true, 'a tap on the label ticks it');

      await signIn(page, kiosque.webUrl, 'agent', { stay: true });
      const cookie = await sessionCookie(context);
      const days = (cookie.expires - Date.now() / 1000) / DAY;
      assert.ok(days > 29 && days <= 30.01, `cookie expires in ${days.toFixed(2)} days`);
      assert.equal(cookie.httpOnly, true);
      assert.equal(cookie.sameSite, 'Lax');
    } finally {
      await context.close();
    }
  });

  test('on a phone, not ticked: a browser-session cookie', async () => {
    const context = await phone();
    try {
      const page = await context.newPage();
      await signIn(page, kiosque.webUrl, 'agent');
      assert.equal((await sessionCookie(context)).expires, -1);
      // The home page comes as brotli joined from parts (the agent's own text
      // stored, the rest compressed once): Chromium's decoder reads it whole.
      const home = await page.goto(`${kiosque.webUrl}/`);
      assert.equal(home.headers()['content-encoding'], 'br');
      await page.locator('.header-user', { hasText: 'Camille Lefèvre' }).waitFor();
      await page.getByRole('heading', { level: 2, name: 'À la une' }).waitFor();
      assert.match(await page.locator('.site-footer').innerText(), /Charte de l'intranet/);
    } finally {
      await context.close();
    }
  });

  test('on a borne: not offered, and forcing the field changes nothing', async () => {
    const context = await newContext(browser, { viewport: VIEWPORTS.borne, hasTouch: true });
    try {
      const page = await context.newPage();
      await page.goto(`${kiosque.kioskUrl}/connexion`);
      assert.equal(await page.getAttribute('body', 'data-device'), 'kiosk');
      assert.equal(await page.locator('input[name="rester_connecte"]').count(), 0);
      assert.equal(await page.getByText('Rester connecté').count(), 0);

      // A crafted form: the server, not the page, decides.
      await page.evaluate(() => {
        const input = document.createElement('input');
        input.type = 'hidden';
        input.name = 'rester_connecte';
        input.value = 'oui';
        document.querySelector('form[action="/connexion"]').append(input);
      });
      await page.fill('#identifiant', 'agent');
      await page.fill('#mot-de-passe', PASSWORD);
      await Promise.all([
        page.waitForURL((url) => url.pathname !== '/connexion'),
        page.click('form[action="/connexion"] button[type="submit"]'),
      ]);
      assert.equal((await sessionCookie(context)).expires, -1, 'a borne never gets a lasting cookie');
    } finally {
      await context.close();
    }
  });
});

describe('the sign-in form on a borne', () => {
  test(
    'keeps what the agent types while they type',
    async () => {
      const context = await newContext(browser, { viewport: VIEWPORTS.borne, hasTouch: true }, { phonePolling: true });
      try {
        const page = await context.newPage();
        await page.goto(`${kiosque.kioskUrl}/connexion`);
        // An agent typing on the on-screen keyboard: a few seconds.
        await page.locator('#identifiant').pressSequentially('agent', { delay: 150 });
        await page.locator('#mot-de-passe').pressSequentially('kiosq', { delay: 150 });
        await sleep(3_500);
        assert.equal(await page.inputValue('#identifiant'), 'agent', 'the login typed so far');
        assert.equal(await page.inputValue('#mot-de-passe'), 'kiosq', 'the password typed so far');
      } finally {
        await context.close();
      }
    },
  );
});
