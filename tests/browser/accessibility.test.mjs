// Accessibility (RGAA maps to WCAG 2.1 AA): axe-core's WCAG 2.1 A and AA rules
// find nothing on the sign-in page and the main signed-in pages, at the phone,
// portrait-borne and desktop sizes.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import {
  newContext,
  VIEWPORTS,
  describeViolations,
  launchChromium,
  runAxe,
  signIn,
  startKiosque,
} from './support.mjs';

/**
 * Rules switched off, each for one precise defect that lives in the Rust markup
 * (src/web/views/), with where and how to fix it. Empty: nothing is excused.
 */
const KNOWN_ISSUES = [];

const SIGNED_IN_PAGES = [
  '/',
  '/actus',
  null, // the first item of /actus, found at run time
  '/agenda',
  '/annonces',
  '/pages/conges',
  '/annuaire?q=lef',
  '/annuaire/moi',
];

let kiosque;
let browser;
let itemPath;

before(async () => {
  kiosque = await startKiosque({ kiosk: false });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await kiosque?.stop();
});

for (const [name, viewport] of Object.entries(VIEWPORTS)) {
  describe(`axe-core WCAG 2.1 AA, ${name} ${viewport.width}×${viewport.height}`, () => {
    let context;
    let page;

    before(async () => {
      context = await newContext(browser, { viewport });
      page = await context.newPage();
    });

    after(async () => {
      await context?.close();
    });

    test('/connexion (signed out)', async () => {
      await page.goto(`${kiosque.webUrl}/connexion`);
      const violations = await runAxe(page, { disableRules: KNOWN_ISSUES });
      assert.deepEqual(violations.map((v) => v.id), [], describeViolations(violations));
    });

    test('signed-in pages', async () => {
      await signIn(page, kiosque.webUrl, 'agent');
      if (!itemPath) {
        await page.goto(`${kiosque.webUrl}/actus`);
        itemPath = await page.locator('main .card-title a').first().getAttribute('href');
        assert.match(itemPath, /^\/actus\/[0-9A-Z]+$/);
      }
      const problems = [];
      for (const path of SIGNED_IN_PAGES.map((p) => p ?? itemPath)) {
        const response = await page.goto(`${kiosque.webUrl}${path}`);
        assert.equal(response.status(), 200, `GET ${path}`);
        assert.notEqual(new URL(page.url()).pathname, '/connexion', `${path}: still signed in`);
        const violations = await runAxe(page, { disableRules: KNOWN_ISSUES });
        if (violations.length > 0) problems.push(`${path}:\n${describeViolations(violations)}`);
      }
      assert.equal(problems.length, 0, `axe-core violations:\n${problems.join('\n')}`);
    });
  });
}
