// No JavaScript is needed to read: with scripts off, the sign-in form, the
// charter and the news work, and the content is visible (not merely present
// in the DOM).

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { VIEWPORTS, launchChromium, newContext, signIn, startKiosque } from './support.mjs';

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

test('scripts off: sign in, accept the charter, read /actus and a news item', async () => {
  const context = await newContext(browser, { viewport: VIEWPORTS.phone, javaScriptEnabled: false });
  try {
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));

    await signIn(page, kiosque.webUrl, 'agent'); // real form posts, charter included
    assert.equal(new URL(page.url()).pathname, '/');

    // Proof that page scripts really are off: on a phone, kiosque.js scrolls
    // the menu so that the current entry (the last one here) is in view.
    await page.goto(`${kiosque.webUrl}/annuaire`);
    assert.equal(await page.locator('nav.site-nav ul').evaluate((ul) => ul.scrollLeft), 0, 'kiosque.js ran');

    await assert.doesNotReject(page.locator('nav.site-nav').waitFor({ state: 'visible' }));

    await page.goto(`${kiosque.webUrl}/actus`);
    assert.equal((await page.locator('h1').innerText()).trim(), 'Les Actus');
    const cards = page.locator('main .card');
    assert.ok((await cards.count()) >= 6, 'news cards on /actus');
    const firstTitle = (await page.locator('main .card-title a').first().innerText()).trim();
    const firstSummary = (await page.locator('main .card-summary').first().innerText()).trim();
    assert.ok(firstTitle.length > 10, `card title "${firstTitle}"`);
    assert.ok(firstSummary.length > 20, `card summary "${firstSummary}"`);
    assert.ok(await page.locator('main .card-title a').first().isVisible());

    await Promise.all([
      page.waitForURL((url) => /^\/actus\/[0-9A-Z]+$/.test(url.pathname)),
      page.locator('main .card-title a').first().click(),
    ]);
    assert.equal((await page.locator('h1').innerText()).trim(), firstTitle);
    const prose = page.locator('main .prose');
    assert.ok(await prose.isVisible(), 'the article body is visible');
    const body = (await prose.innerText()).trim();
    assert.ok(body.length > 200, `article body of ${body.length} characters`);
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});
