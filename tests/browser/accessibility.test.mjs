// Accessibility (RGAA maps to WCAG 2.1 AA): axe-core's WCAG 2.1 A and AA rules
// find nothing on the sign-in page and the main signed-in pages, at the phone,
// portrait-borne and desktop sizes. The borne size is served by the kiosk
// listener (kiosk pages carry the borne's name and, signed out, `/` is the
// idle screen); the others by the web listener.

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
 * the Rust markup (src/web/views/), with where and how to fix it. Remove an
 * entry when its defect is fixed: the test then checks that rule again.
 */
const KNOWN_ISSUES = {};

const SIGNED_IN_PAGES = [
  '/',
  '/actus',
  null, // the first item of /actus, found at run time
  '/agenda',
  '/agenda/jour/2026-12-01',
  '/annonces',
  '/annonces?categorie=vente',
  '/rh',
  '/emploi',
  '/pages',
  '/pages/conges',
  '/liens',
  '/syndicats',
  '/syndicats/cgt',
  '/flux',
  '/charte',
  '/accessibilite',
  '/annuaire?q=lef',
  '/annuaire/moi',
  '/organigramme',
  '/mon-espace',
  '/questionnaires',
  '/emploi/profil',
  '/recherche?q=cong%C3%A9s',
  '/recherche?q=Dupont&espace=annuaire',
  '/compte',
];

let kiosque;
let browser;
let itemPath;

before(async () => {
  kiosque = await startKiosque({ kiosk: true });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await kiosque?.stop();
});

for (const [name, viewport] of Object.entries(VIEWPORTS)) {
  const kiosk = name === 'borne';
  describe(`axe-core WCAG 2.1 AA, ${name} ${viewport.width}×${viewport.height}${kiosk ? ' (kiosk listener)' : ''}`, () => {
    let context;
    let page;
    let base;

    before(async () => {
      context = await newContext(browser, { viewport });
      page = await context.newPage();
      base = kiosk ? kiosque.kioskUrl : kiosque.webUrl;
    });

    after(async () => {
      await context?.close();
    });

    test('/connexion (signed out)', async () => {
      await page.goto(`${base}/connexion`);
      assert.equal(await page.getAttribute('body', 'data-device'), kiosk ? 'kiosk' : 'personal');
      const violations = await runAxe(page, { disableRules: kiosk ? KNOWN_ISSUES['kiosk /connexion'] : [] });
      assert.deepEqual(violations.map((v) => v.id), [], describeViolations(violations));
    });

    if (kiosk) {
      test('/ signed out: the idle screen', async () => {
        await page.goto(`${base}/`);
        assert.equal(new URL(page.url()).pathname, '/');
        const violations = await runAxe(page);
        assert.deepEqual(violations.map((v) => v.id), [], describeViolations(violations));
      });
    }

    test('signed-in pages', async () => {
      await signIn(page, base, 'agent');
      if (!itemPath) {
        await page.goto(`${base}/actus`);
        itemPath = await page.locator('main .card-title a').first().getAttribute('href');
        assert.match(itemPath, /^\/actus\/[0-9A-Z]+$/);
      }
      const problems = [];
      for (const path of SIGNED_IN_PAGES.map((p) => p ?? itemPath)) {
        const response = await page.goto(`${base}${path}`);
        assert.equal(response.status(), 200, `GET ${path}`);
        assert.notEqual(new URL(page.url()).pathname, '/connexion', `${path}: still signed in`);
        const violations = await runAxe(page);
        if (violations.length > 0) problems.push(`${path}:\n${describeViolations(violations)}`);
      }
      assert.equal(problems.length, 0, `axe-core violations:\n${problems.join('\n')}`);
    });
  });
}
