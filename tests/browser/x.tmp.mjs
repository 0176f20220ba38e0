import { startKiosque, launchChromium, newContext, signIn, PASSWORD } from './support.mjs';
const k = await startKiosque({ kiosk: true });
const browser = await launchChromium({ bfcache: true });
try {
  for (let run = 0; run < 8; run++) {
    const context = await newContext(browser, { viewport: { width: 1080, height: 1920 } });
    await context.route('**/favicon.ico', (r) => r.fulfill({ status: 404, headers: { 'cache-control': 'max-age=86400' }, body: '' }));
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send('Page.enable');
    const log = [];
    cdp.on('Page.backForwardCacheNotUsed', (e) => log.push('not:' + e.notRestoredExplanations.map(x=>x.reason).join(',')));
    cdp.on('Page.frameNavigated', (e) => { if (!e.frame.parentId && e.type !== 'Navigation') log.push(e.type); });
    await page.goto(k.kioskUrl + '/connexion');
    if (run % 2) await new Promise(r => setTimeout(r, 1000));
    await page.fill('#identifiant', 'agent');
    await Promise.all([page.waitForURL((u) => u.search.includes('retour')), page.click('footer a[href="/charte"]')]);
    if (run % 4 >= 2) await new Promise(r => setTimeout(r, 1000));
    await page.goBack({ waitUntil: 'commit' });
    await new Promise(r => setTimeout(r, 800));
    console.log(run, log.join(' | '));
    await context.close();
  }
} finally {
  await browser.close();
  await k.stop();
}
