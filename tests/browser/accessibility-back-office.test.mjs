// Accessibility of the back-office pages (RGAA maps to WCAG 2.1 AA): axe-core's
// WCAG 2.1 A and AA rules find nothing on the editor (actus and agenda), "Mes
// publications", the moderation queue, the administration page and a union's
// messages and subscriber list, at the phone and desktop sizes (web listener:
// a personal device). Each page is
// checked as the account that works on it.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import {
  VIEWPORTS,
  describeViolations,
  launchChromium,
  newContext,
  runAxe,
  signIn,
  startKiosque,
} from './support.mjs';

/**
 * Rules switched off on one page each, for one precise defect that lives in
 * the Rust markup (src/web/views/), with where and how to fix it. Keys are
 * "<path>": [rule ids]. Remove an entry when its defect is fixed: the test
 * then checks that rule again.
 */
const KNOWN_ISSUES = {};

const PAGES = [
  { login: 'codir', path: '/publier?espace=actus', heading: true },
  { login: 'codir', path: '/publier?espace=agenda', heading: true },
  { login: 'codir', path: '/mes-publications', heading: true },
  { login: 'webmestre', path: '/moderation', heading: true },
  { login: 'dsi', path: '/admin', heading: true },
  { login: 'codir', path: '/questionnaires/nouveau', heading: true },
  { login: 'syndicat', path: '/syndicats/cgt/messages', heading: true },
  { login: 'syndicat', path: '/syndicats/cgt/abonnes', heading: true },
];

let kiosque;
let browser;

before(async () => {
  kiosque = await startKiosque({ kiosk: false });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await kiosque?.stop();
});

for (const name of ['phone', 'desktop']) {
  const viewport = VIEWPORTS[name];
  describe(`axe-core WCAG 2.1 AA, back office, ${name} ${viewport.width}×${viewport.height}`, () => {
    const contexts = new Map();

    /** One signed-in page per account, reused for its pages. */
    async function pageAs(login) {
      if (!contexts.has(login)) {
        const context = await newContext(browser, { viewport });
        const page = await context.newPage();
        await signIn(page, kiosque.webUrl, login);
        contexts.set(login, { context, page });
      }
      return contexts.get(login).page;
    }

    after(async () => {
      await Promise.all([...contexts.values()].map(({ context }) => context.close()));
    });

    for (const { login, path } of PAGES) {
      test(`${path} (${login})`, async () => {
        const page = await pageAs(login);
        const response = await page.goto(`${kiosque.webUrl}${path}`);
        assert.equal(response.status(), 200, `GET ${path}`);
        const url = new URL(page.url());
        assert.equal(url.pathname + url.search, path, `${login} stays on ${path}`);
        assert.ok(await page.locator('.header-user').count(), 'signed in');
        const violations = await runAxe(page, { disableRules: KNOWN_ISSUES[path] ?? [] });
        assert.deepEqual(violations.map((v) => v.id), [], describeViolations(violations));
      });
    }
  });
}
