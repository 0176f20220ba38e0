// Shared support for the browser tests: a real kiosque process on free loopback
// ports with its own data directory, Debian's Chromium driven by playwright-core,
// sign-in, axe-core.
//
// Each test file starts its own kiosque (`startKiosque`) and its own browser
// (`launchChromium`), and stops both in its `after` hook.

import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(here, '..', '..');
export const binary = process.env.KIOSQUE_BIN || path.join(repoRoot, 'target', 'debug', 'kiosque');
export const chromiumPath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

/** Demo accounts (assets/demo): every one has this password. */
export const PASSWORD = 'kiosque';

/** The viewports the interface is designed for. */
export const VIEWPORTS = {
  phone: { width: 390, height: 844 },
  borne: { width: 1080, height: 1920 },
  desktop: { width: 1920, height: 1080 },
};

/** Where screenshots go (not committed). */
// Screenshots of each flow are test artefacts: kept in the build tree
// (target/test-artefacts/screenshots), where CI can collect them.
export const SHOTS_DIR =
  process.env.KIOSQUE_SHOTS_DIR ||
  fileURLToPath(new URL('../../target/test-artefacts/screenshots/', import.meta.url));

/**
 * `n` distinct free loopback ports: the kernel picks them (listen on port 0),
 * all are held until each is known, then closed for kiosque to take.
 */
async function freePorts(n) {
  const servers = [];
  try {
    for (let i = 0; i < n; i += 1) {
      const server = net.createServer();
      await new Promise((resolve, reject) => {
        server.on('error', reject);
        server.listen(0, '127.0.0.1', resolve);
      });
      servers.push(server);
    }
    return servers.map((s) => s.address().port);
  } finally {
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  }
}

/**
 * Starts `target/debug/kiosque` in demo mode on 127.0.0.1 with a fresh data
 * directory, a web listener and (with `kiosk: true`) a kiosk listener, and waits
 * until `/healthz` answers 200.
 *
 * `extraConfig` is appended to the TOML configuration as it is (for example
 * `'[sessions]\nkiosk_idle_seconds = 20\n'`).
 *
 * Returns `{ webUrl, kioskUrl, log(), stop() }`.
 */
export async function startKiosque({ kiosk = true, extraConfig = '' } = {}) {
  if (!existsSync(binary)) {
    throw new Error(
      `kiosque binary not found at ${binary}: build it first with \`cargo build\` ` +
        '(scripts/test runs `cargo test --all-targets`, which builds it).',
    );
  }
  const dir = await mkdtemp(path.join(os.tmpdir(), 'kiosque-browser-'));
  const [webPort, kioskPort] = await freePorts(2);
  const config = path.join(dir, 'kiosque.toml');
  let toml = 'demo = true\n';
  if (kiosk) toml += `\n[kiosk]\nlisten = "127.0.0.1:${kioskPort}"\n`;
  if (extraConfig) toml += `\n${extraConfig}\n`;
  await writeFile(config, toml);

  // Only our own settings: a stray KIOSQUE_* key in the environment would
  // change the configuration, or make kiosque refuse to start.
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('KIOSQUE_')),
  );
  env.KIOSQUE_LOG = process.env.KIOSQUE_LOG || 'warn';
  env.NO_COLOR = '1';
  const child = spawn(
    binary,
    [
      'serve',
      '--config',
      config,
      '--data-dir',
      path.join(dir, 'data'),
      '--listen',
      `127.0.0.1:${webPort}`,
    ],
    { env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const keep = (chunk) => {
    output += chunk.toString();
    if (output.length > 64_000) output = output.slice(-32_000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  let exited = null;
  const exit = new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      exited = { code, signal };
      resolve(exited);
    });
  });

  const webUrl = `http://127.0.0.1:${webPort}`;
  const kioskUrl = kiosk ? `http://127.0.0.1:${kioskPort}` : null;

  const stop = async () => {
    if (exited === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exit;
      clearTimeout(timer);
    }
    await rm(dir, { recursive: true, force: true });
  };

  // The first start seeds the demo store (a second or two in a debug build).
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (exited !== null) {
      await stop();
      throw new Error(`kiosque exited (${JSON.stringify(exited)}) before answering /healthz:\n${output}`);
    }
    try {
      const ok = await Promise.all(
        [webUrl, kioskUrl].filter(Boolean).map(async (base) => {
          const res = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(2_000) });
          return res.status === 200;
        }),
      );
      if (ok.every(Boolean)) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`kiosque did not answer /healthz with 200 within 20 s:\n${output}`);
    }
    await sleep(100);
  }
  return { webUrl, kioskUrl, log: () => output, stop };
}

/**
 * Launches Debian's Chromium (never a downloaded browser).
 *
 * With `bfcache: true` the back/forward cache stays on, as on a real borne:
 * Chromium has it on by default, and playwright-core turns it off by adding
 * `--disable-back-forward-cache` to its default switches ("avoids surprises
 * during page.goBack()"), so that default is dropped. (A second
 * `--enable-features=BackForwardCache` switch is not needed, and would compete
 * with the `--enable-features` switch playwright-core already passes.)
 * The tests that rely on the cache check that a page really was restored from
 * it, so a Chromium without it fails them instead of passing them vacuously.
 */
export async function launchChromium({ bfcache = false } = {}) {
  if (!existsSync(chromiumPath)) {
    throw new Error(`Chromium not found at ${chromiumPath}: install the Debian package \`chromium\`.`);
  }
  const args = [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ];
  const options = { executablePath: chromiumPath, headless: true, args, timeout: 30_000 };
  if (bfcache) options.ignoreDefaultArgs = ['--disable-back-forward-cache'];
  return chromium.launch(options);
}

/**
 * A browser context (a fresh profile: no cookies, no cache) whose actions fail
 * after 10 s instead of Playwright's 30 s, so that a broken page fails fast.
 *
 * The borne's phone sign-in page (/connexion/telephone) reloads itself every
 * second (a `<meta http-equiv="refresh">` polling /connexion/telephone/…).
 * Unless `phonePolling` is true, the poll is answered "204 No Content", which
 * leaves the page as it is.
 */
export async function newContext(browser, options = {}, { phonePolling = false } = {}) {
  const context = await browser.newContext({ locale: 'fr-FR', ...options });
  context.setDefaultTimeout(10_000);
  context.setDefaultNavigationTimeout(15_000);
  if (!phonePolling) {
    await context.route('**/connexion/telephone/**', (route) => route.fulfill({ status: 204, body: '' }));
  }
  return context;
}

/**
 * Signs in on `base` through the real form, and accepts the charter when the
 * server asks for it (first sign-in of that account on this server).
 * Ends on `retour` (default `/`).
 */
export async function signIn(page, base, login = 'agent', { stay = false } = {}) {
  await page.goto(`${base}/connexion`);
  await page.fill('#identifiant', login);
  await page.fill('#mot-de-passe', PASSWORD);
  if (stay) await page.check('input[name="rester_connecte"]');
  await Promise.all([
    page.waitForURL((url) => url.pathname !== '/connexion'),
    page.click('form[action="/connexion"] button[type="submit"]'),
  ]);
  if (new URL(page.url()).pathname === '/charte/accepter') {
    await Promise.all([
      page.waitForURL((url) => url.pathname !== '/charte/accepter'),
      page.getByRole('button', { name: "J'ai lu la charte et je l'accepte" }).click(),
    ]);
  }
}

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/** WCAG 2.1 level A and AA rules (RGAA maps to them). */
export const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

/**
 * Runs axe-core in the page. The page's CSP (`script-src 'self'`) would refuse
 * an injected script tag, so axe is evaluated through the DevTools protocol,
 * which CSP does not apply to.
 */
export async function runAxe(page, { disableRules = [] } = {}) {
  await page.evaluate(axeSource);
  return page.evaluate(
    async ({ tags, disableRules: off }) => {
      const rules = Object.fromEntries(off.map((id) => [id, { enabled: false }]));
      const result = await window.axe.run(document, {
        runOnly: { type: 'tag', values: tags },
        rules,
        resultTypes: ['violations'],
      });
      return result.violations.map((v) => ({
        id: v.id,
        impact: v.impact,
        help: v.help,
        nodes: v.nodes.map((n) => ({
          target: n.target.join(' '),
          html: n.html.slice(0, 200),
          summary: n.failureSummary,
        })),
      }));
    },
    { tags: WCAG_TAGS, disableRules },
  );
}

/** A readable list of axe violations for an assertion message. */
export function describeViolations(violations) {
  return violations
    .map(
      (v) =>
        `- ${v.id} (${v.impact}): ${v.help}\n` +
        v.nodes.map((n) => `    ${n.target}\n      ${n.html}\n      ${(n.summary || '').replace(/\n/g, ' ')}`).join('\n'),
    )
    .join('\n');
}

/** A small HTTP client with a cookie jar, outside any browser (another device). */
class HttpAgent {
  constructor(base) {
    this.base = base;
    this.cookies = new Map();
  }

  async request(path, { method = 'GET', form } = {}) {
    const headers = {};
    if (this.cookies.size > 0) {
      headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    }
    let body;
    if (form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(form).toString();
    }
    const res = await fetch(`${this.base}${path}`, { method, headers, body, redirect: 'manual' });
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (value === '' || /max-age=0/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return { status: res.status, location: res.headers.get('location'), text: await res.text() };
  }

  /** GET, following local redirects. */
  async page(path) {
    let res = await this.request(path);
    for (let hops = 0; res.status >= 300 && res.status < 400 && hops < 5; hops += 1) {
      path = res.location;
      res = await this.request(path);
    }
    return { ...res, path };
  }
}

function hiddenField(html, name) {
  const match = html.match(new RegExp(`name="${name}" value="([^"]*)"`));
  if (!match) throw new Error(`no hidden field ${name} in the page`);
  return match[1];
}

/**
 * Ends every session of `login` the way an administrator does, from another
 * device: `dsi` signs in on the web listener and uses "Terminer ses sessions"
 * on /admin. For the borne, this is the same as its 90-second idle limit
 * passing: the server-side session is gone and the browser is not told.
 */
export async function endSessionsAsAdmin(webUrl, login) {
  const admin = new HttpAgent(webUrl);
  const signedIn = await admin.request('/connexion', {
    method: 'POST',
    form: { identifiant: 'dsi', mot_de_passe: PASSWORD, retour: '/admin' },
  });
  if (signedIn.status !== 303 && signedIn.status !== 302) {
    throw new Error(`dsi could not sign in: HTTP ${signedIn.status}`);
  }
  let page = await admin.page('/admin');
  if (page.path.startsWith('/charte/accepter')) {
    const accepted = await admin.request('/charte/accepter', {
      method: 'POST',
      form: {
        csrf: hiddenField(page.text, 'csrf'),
        version: hiddenField(page.text, 'version'),
        retour: '/admin',
      },
    });
    if (accepted.status >= 400) throw new Error(`dsi could not accept the charter: HTTP ${accepted.status}`);
    page = await admin.page('/admin');
  }
  const ended = await admin.request('/admin/sessions', {
    method: 'POST',
    form: { csrf: hiddenField(page.text, 'csrf'), identifiant: login },
  });
  if (ended.location !== '/admin?fait=sessions') {
    throw new Error(`ending the sessions of ${login} failed: HTTP ${ended.status} → ${ended.location}`);
  }
}
