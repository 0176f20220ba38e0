// Touch targets and text size, on the portrait borne (kiosk listener,
// 1080×1920) and on a phone (web listener, 390×844): every visible control of
// the header, the menu, pagination, filter chips, link tiles and forms is at
// least 48×48 CSS px, the primary buttons of the borne at least 64 px tall, and
// body text at least 18 px, and none runs off the screen's edge. Also writes
// screenshots of the home page.

import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { SHOTS_DIR, VIEWPORTS, launchChromium, newContext, signIn, startKiosque } from './support.mjs';

const MIN_TARGET = 48;
const MIN_PRIMARY_KIOSK = 64;
const MIN_BODY_TEXT = 18;

/** Signed-in pages with every kind of control checked here (/connexion is checked signed out). */
const PAGES = [
  '/',
  '/actus',
  '/actus?page=2', // pagination with "Précédent"
  '/annonces', // filter chips
  '/agenda',
  '/liens', // "En 1 clic" tiles
  '/pages/conges',
  '/annuaire?q=lef', // search form and select
  '/annuaire/moi',
];

/**
 * Measures, in the page, every visible control of the checked regions, and
 * the running text.
 *
 * Exempt: inline text links in running text (`.prose`, `p`: WCAG 2.5.8's
 * "inline" exception), controls that are not rendered (hidden inputs,
 * `display: none`, zero size). A checkbox is operated through its label, so
 * the label is measured.
 */
function measurePage({ minText }) {
  const inScrollStrip = (el) => {
    for (let a = el.parentElement; a; a = a.parentElement) {
      if (['auto', 'scroll'].includes(getComputedStyle(a).overflowX)) return true;
    }
    return false;
  };
  const regions = ['header', 'nav', '.pagination', '.chips', '.link-grid', 'form'];
  const kinds = ['a', 'button', 'input:not([type="hidden"])', 'select'];
  const selector = regions.flatMap((r) => kinds.map((k) => `${r} ${k}`)).join(', ');
  const targets = [];
  for (const el of document.querySelectorAll(selector)) {
    const style = getComputedStyle(el);
    if (style.display === 'none' || style.visibility === 'hidden') continue;
    if (el.tagName === 'A' && el.closest('.prose, p')) continue;
    let target = el;
    if (el.matches('input[type="checkbox"], input[type="radio"]')) {
      target = el.closest('label') ?? (el.id && document.querySelector(`label[for="${el.id}"]`)) ?? el;
    }
    const box = target.getBoundingClientRect();
    if (box.width === 0 && box.height === 0) continue;
    const name = (el.getAttribute('aria-label') || el.textContent || el.name || el.id || '')
      .trim()
      .replace(/\s+/g, ' ')
      .slice(0, 40);
    const classes = typeof el.className === 'string' && el.className.trim() ? `.${el.className.trim().split(/\s+/).join('.')}` : '';
    targets.push({
      what: `${el.tagName.toLowerCase()}${classes} "${name}"`,
      width: Math.round(box.width * 10) / 10,
      height: Math.round(box.height * 10) / 10,
      primary: el.classList.contains('button-primary'),
      // Cut off by the screen's right edge (a header too wide for a borne);
      // a strip that scrolls sideways (the phone's menu) may go on.
      outside: box.right > window.innerWidth + 0.5 && !inScrollStrip(target),
    });
  }
  // Running text: paragraphs, list items and definitions of main, except the
  // secondary lines the style sheet sets at 1rem on purpose (dates, places,
  // breadcrumb, byline, a function under a name, hints under a field).
  const secondary = [
    '.card-meta',
    '.card-place',
    '.event-when',
    '.assistance-desc',
    '.agenda-place',
    '.breadcrumb',
    '.byline',
    '.demo-accounts *',
    '.person-service',
    '.person-text .person-function',
    '.org-team',
    '.form-card .hint',
  ].join(', ');
  const smallText = [...document.querySelectorAll('main p, main li, main dd')]
    .filter((p) => p.getClientRects().length > 0 && !p.matches(secondary))
    .map((p) => ({ size: parseFloat(getComputedStyle(p).fontSize), text: p.textContent.trim().replace(/\s+/g, ' ').slice(0, 40) }))
    .filter((p) => p.size < minText);
  const body = parseFloat(getComputedStyle(document.body).fontSize);
  return { targets, body, smallText };
}

/** Problems of one page, as readable lines. */
async function problemsOf(page, label, primaryMin) {
  const { targets, body, smallText } = await page.evaluate(measurePage, { minText: MIN_BODY_TEXT });
  const problems = [];
  for (const t of targets) {
    if (t.outside) problems.push(`${label}: ${t.what} runs off the right edge of the screen`);
    if (t.width < MIN_TARGET || t.height < MIN_TARGET) {
      problems.push(`${label}: ${t.what} is ${t.width}×${t.height} px (< ${MIN_TARGET}×${MIN_TARGET})`);
    }
    if (primaryMin && t.primary && t.height < primaryMin) {
      problems.push(`${label}: primary ${t.what} is ${t.height} px tall (< ${primaryMin})`);
    }
  }
  if (body < MIN_BODY_TEXT) problems.push(`${label}: body text is ${body} px (< ${MIN_BODY_TEXT})`);
  for (const t of smallText) problems.push(`${label}: text "${t.text}" is ${t.size} px (< ${MIN_BODY_TEXT})`);
  return { problems, measured: targets.length };
}

/** /connexion signed out, then every page of PAGES signed in. */
async function checkSite(page, base, primaryMin) {
  const problems = [];
  let measured = 0;
  await page.goto(`${base}/connexion`);
  let result = await problemsOf(page, '/connexion (signed out)', primaryMin);
  problems.push(...result.problems);
  measured += result.measured;
  await signIn(page, base, 'agent');
  for (const p of PAGES) {
    const response = await page.goto(`${base}${p}`);
    assert.equal(response.status(), 200, `GET ${p}`);
    assert.equal(new URL(page.url()).pathname, new URL(p, base).pathname, `${p}: not redirected`);
    result = await problemsOf(page, p, primaryMin);
    problems.push(...result.problems);
    measured += result.measured;
  }
  // Guard against measuring nothing (a selector that no longer matches).
  assert.ok(measured > 100, `only ${measured} controls measured`);
  assert.deepEqual(problems, []);
}

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

describe('touch targets and text size', () => {
  test('borne (kiosk listener, 1080×1920): controls ≥ 48×48 px, primary buttons ≥ 64 px, text ≥ 18 px', async () => {
    const context = await newContext(browser, { viewport: VIEWPORTS.borne, hasTouch: true });
    try {
      const page = await context.newPage();
      await page.goto(`${kiosque.kioskUrl}/connexion`);
      assert.equal(await page.getAttribute('body', 'data-device'), 'kiosk');
      await checkSite(page, kiosque.kioskUrl, MIN_PRIMARY_KIOSK);
    } finally {
      await context.close();
    }
  });

  test('phone (web listener, 390×844): controls ≥ 48×48 px, text ≥ 18 px', async () => {
    const context = await newContext(browser, {
      viewport: VIEWPORTS.phone,
      hasTouch: true,
      isMobile: true,
      deviceScaleFactor: 2,
    });
    try {
      const page = await context.newPage();
      await page.goto(`${kiosque.webUrl}/connexion`);
      assert.equal(await page.getAttribute('body', 'data-device'), 'personal');
      await checkSite(page, kiosque.webUrl, null);
    } finally {
      await context.close();
    }
  });
});

describe('screenshots of the home page', () => {
  test(`written to ${SHOTS_DIR}`, async () => {
    await mkdir(SHOTS_DIR, { recursive: true });
    for (const [name, viewport] of Object.entries(VIEWPORTS)) {
      const base = name === 'borne' ? kiosque.kioskUrl : kiosque.webUrl;
      const context = await newContext(browser, { viewport });
      try {
        const page = await context.newPage();
        await signIn(page, base, 'agent');
        await page.goto(`${base}/`);
        const stem = path.join(SHOTS_DIR, `accueil-${name}-${viewport.width}x${viewport.height}`);
        await page.screenshot({ path: `${stem}.png` });
        await page.screenshot({ path: `${stem}-pleine-page.png`, fullPage: true });
      } finally {
        await context.close();
      }
    }
  });
});
