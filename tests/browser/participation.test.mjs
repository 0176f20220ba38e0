// Participation in a real browser (issue 11): a publisher creates a
// questionnaire with the form, an agent answers it by touch on the borne,
// and axe-core finds nothing on the answer form, the results (SVG charts with
// their tables) and the follow-up of a note's read confirmations.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import {
  VIEWPORTS,
  describeViolations,
  launchChromium,
  newContext,
  runAxe,
  signIn,
  startKiosque,
} from './support.mjs';

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

async function assertNoViolations(page) {
  const violations = await runAxe(page);
  assert.deepEqual(violations.map((v) => v.id), [], describeViolations(violations));
}

test('a questionnaire made in the form is answered by touch on the borne', async () => {
  const desk = await newContext(browser, { viewport: VIEWPORTS.desktop });
  const borne = await newContext(browser, { viewport: VIEWPORTS.borne, hasTouch: true });
  try {
    const codir = await desk.newPage();
    await signIn(codir, kiosque.webUrl, 'codir');
    await codir.goto(`${kiosque.webUrl}/questionnaires/nouveau`);
    await codir.fill('#titre', 'La salle de pause');
    await codir.fill('#q1_libelle', 'Le nouveau mobilier vous convient-il ?');
    await codir.selectOption('#q1_type', 'unique');
    await codir.fill('#q1_choix', 'Oui\nNon\nSans avis');
    await codir.fill('#q2_libelle', 'Votre note');
    await codir.selectOption('#q2_type', 'echelle');
    await codir.getByLabel('Anonyme', { exact: false }).check();
    await codir.getByLabel('Montrer les résultats', { exact: false }).check();
    await Promise.all([
      codir.waitForURL((url) => url.pathname === '/questionnaires'),
      codir.getByRole('button', { name: 'Enregistrer le questionnaire' }).click(),
    ]);
    const link = codir.locator('section[aria-labelledby=titre-mes-questionnaires] li a', {
      hasText: 'La salle de pause',
    });
    const href = await link.first().getAttribute('href');

    const agent = await borne.newPage();
    await signIn(agent, kiosque.kioskUrl, 'agent');
    await agent.goto(`${kiosque.kioskUrl}${href}`);
    await assertNoViolations(agent);
    await agent.getByRole('radio', { name: 'Non' }).tap();
    await agent.getByRole('radio', { name: '4', exact: true }).tap();
    await Promise.all([
      agent.waitForURL((url) => url.search === '?merci=1'),
      agent.getByRole('button', { name: 'Envoyer ma réponse' }).tap(),
    ]);
    assert.match(await agent.locator('main').innerText(), /Vous avez répondu à ce questionnaire/);

    // Live results: charts with a text alternative, and their tables.
    await agent.goto(`${kiosque.kioskUrl}${href}/resultats`);
    assert.equal(await agent.locator('svg.bar-chart[role=img]').count(), 2);
    assert.equal(
      await agent.locator('table.result-table').first().locator('tbody tr').nth(1).innerText(),
      'Non\t1\t100 %',
    );
    await assertNoViolations(agent);
  } finally {
    await desk.close();
    await borne.close();
  }
});

test('the follow-up of read confirmations passes axe', async () => {
  const context = await newContext(browser, { viewport: VIEWPORTS.phone });
  try {
    const page = await context.newPage();
    await signIn(page, kiosque.webUrl, 'webmestre');
    await page.goto(`${kiosque.webUrl}/actus`);
    const href = await page.locator('.card-title a').first().getAttribute('href');
    await page.goto(`${kiosque.webUrl}${href}`);
    await Promise.all([
      page.waitForURL((url) => url.pathname.startsWith('/suivi-lecture/')),
      page.getByRole('link', { name: 'Demander une confirmation de lecture' }).click(),
    ]);
    await Promise.all([
      page.waitForURL((url) => url.search === '?enregistre=1'),
      page.getByRole('button', { name: 'Enregistrer la demande' }).click(),
    ]);
    assert.match(await page.locator('.ack-summary').innerText(), /0 agent\(s\) ont confirmé/);
    await assertNoViolations(page);
  } finally {
    await context.close();
  }
});
