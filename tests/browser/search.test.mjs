// Search as you type: on a personal device the results follow the keyboard
// without submitting the form (progressive enhancement, kiosque.js); on a
// borne the plain form is kept (the on-screen keyboard types, the agent
// touches "Rechercher").

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { launchChromium, newContext, signIn, startKiosque } from './support.mjs';

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

test('results appear while typing on a personal device', async () => {
  const context = await newContext(browser);
  const page = await context.newPage();
  await signIn(page, kiosque.webUrl, 'agent');
  // The search box of the page header leads to the search page.
  await page.locator('#recherche-rapide').fill('cantine');
  await page.locator('form.header-search button').click();
  await page.waitForURL(/\/recherche\?q=cantine/);
  // The index is built in the background at start: wait for it.
  for (let i = 0; i < 100; i += 1) {
    if (await page.locator('.hit-title').count()) break;
    await page.waitForTimeout(100);
    await page.reload();
  }
  assert.ok(await page.locator('.hit-title', { hasText: 'Commission des menus de la cantine' }).count());

  const field = page.locator('#q');
  await field.fill('');
  await field.pressSequentially('mater', { delay: 40 });
  await page
    .locator('#resultats .hit-title', { hasText: 'Congé maternité, paternité et adoption' })
    .waitFor({ timeout: 5000 });
  assert.match(page.url(), /\/recherche\?q=mater/, 'the address follows the query');
  assert.ok(await page.locator('#resultats .excerpt mark').count(), 'matches are highlighted');
  await context.close();
});

test('a borne keeps the plain form', async () => {
  const context = await newContext(browser);
  const page = await context.newPage();
  await signIn(page, kiosque.kioskUrl, 'agent');
  await page.goto(`${kiosque.kioskUrl}/recherche`);
  assert.equal(await page.locator('form.search-page[data-live]').count(), 0);
  await page.locator('#q').fill('congés');
  await page.locator('form.search-page button[type=submit]').click();
  await page.waitForURL(/\/recherche\?q=/);
  assert.ok(await page.locator('.result-count').count());
  await context.close();
});
