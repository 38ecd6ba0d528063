// Browser smoke test of the console with playwright-core driving Debian's chromium.
//
// Needs a running server with roads, units and a dispatcher (see e2e/demo-data.sh and
// e2e/seed.mjs) and the console served with the /api proxy (`npm run dev` or
// `npm run build && npm run preview`).
//
//   CONSOLE_URL=http://127.0.0.1:5173/ SHOTS=/tmp/pingan-shots node e2e/smoke.mjs
//
// Environment: CONSOLE_URL (default http://127.0.0.1:5173/), PINGAN_API (the API server for
// the test's own side calls, default http://127.0.0.1:8080), PINGAN_USER / PINGAN_PASSWORD
// (default li / pass12345), SHOTS (screenshot folder, default /tmp/pingan-shots), CHROMIUM
// (default /usr/bin/chromium).
//
// Steps: log in, see the live picture, take a call with the intake form (location clicked on
// the map), open it, see recommendations with routes, dispatch with one click, see the unit's
// arrival reported by another client arrive live, switch to English. Any request to a host other
// than the console's own fails the run, as does any uncaught page error.
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

const consoleUrl = process.env.CONSOLE_URL ?? 'http://127.0.0.1:5173/';
const apiUrl = process.env.PINGAN_API ?? 'http://127.0.0.1:8080';
const user = process.env.PINGAN_USER ?? 'li';
const password = process.env.PINGAN_PASSWORD ?? 'pass12345';
const shots = process.env.SHOTS ?? '/tmp/pingan-shots';
const executablePath = process.env.CHROMIUM ?? '/usr/bin/chromium';
mkdirSync(shots, { recursive: true });

const results = [];
let failed = 0;
function check(name, ok, detail = '') {
  results.push({ name, ok });
  if (!ok) failed++;
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${detail ? ` — ${detail}` : ''}`);
}

async function apiCall(method, path, token, body) {
  const res = await fetch(apiUrl + path, {
    method,
    headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${data.message ?? ''}`);
  return data;
}

const origin = new URL(consoleUrl).host;
const outside = [];
const pageErrors = [];

const browser = await chromium.launch({
  executablePath,
  args: ['--no-sandbox', '--use-gl=angle', '--use-angle=swiftshader', '--enable-unsafe-swiftshader'],
});
const context = await browser.newContext({
  viewport: { width: 1600, height: 900 },
  deviceScaleFactor: 1,
  locale: 'zh-CN',
  timezoneId: 'Asia/Shanghai',
  colorScheme: 'dark',
});
const page = await context.newPage();
page.on('request', (req) => {
  const url = req.url();
  if (url.startsWith('data:') || url.startsWith('blob:')) return;
  const host = new URL(url).host;
  if (host !== origin) outside.push(url);
});
page.on('websocket', (ws) => {
  const host = new URL(ws.url()).host;
  if (host !== origin) outside.push(ws.url());
});
page.on('pageerror', (e) => pageErrors.push(String(e)));
page.on('console', (m) => {
  if (m.type() === 'error' || m.text().includes('[Vue warn]')) pageErrors.push(`console: ${m.text()}`);
});

const shot = async (name) => {
  await page.waitForTimeout(400); // let the map draw its last frame
  await page.screenshot({ path: join(shots, name) });
};

try {
  // 0. Fresh position fixes, as field terminals would send them: units whose last fix is older
  //    than the dispatch rules allow are not recommended.
  const fixer = (await apiCall('POST', '/api/session', undefined, { username: user, password })).token;
  for (const u of (await apiCall('GET', '/api/units', fixer)).units) {
    if (u.position) await apiCall('POST', `/api/units/${u.id}/position`, fixer, { lon: u.position.lon, lat: u.position.lat });
  }

  // 1. Login.
  await page.goto(consoleUrl);
  await page.waitForSelector('[data-test=login-form]');
  await shot('01-login.png');
  await page.fill('#login-user', user);
  await page.fill('#login-pass', password);
  await page.click('[data-test=login-submit]');

  // 2. Command view with the live feed.
  await page.waitForSelector('[data-test=incident-list]');
  await page.waitForSelector('[data-test=live-state].live', { timeout: 10000 });
  check('logged in, live feed connected', true);
  await page.waitForSelector('[data-test=unit-list] .unit-row', { timeout: 10000 }).catch(() => {});
  await page.waitForTimeout(800);
  const unitRows = await page.locator('[data-test=unit-list] .unit-row').count();
  check('unit list filled', unitRows > 0, `${unitRows} units`);
  const token = await page.evaluate(() => JSON.parse(sessionStorage.getItem('pingan.session')).token);
  check('token kept in sessionStorage', typeof token === 'string' && token.length === 64);
  await shot('02-command.png');

  // A position report from a terminal reaches the page over the live feed.
  const units = (await apiCall('GET', '/api/units', token)).units.filter((u) => u.position);
  if (units.length > 0) {
    const u = units[0];
    const time = new Date(Date.now() - 1000).toISOString();
    await apiCall('POST', `/api/units/${u.id}/position`, token, {
      lon: u.position.lon + 0.0005, lat: u.position.lat, time,
    });
    const ok = await page
      .waitForFunction(
        ([id, t]) => Date.parse(document.querySelector(`[data-unit-id="${id}"]`)?.dataset.fixTime ?? '') === Date.parse(t),
        [u.id, time],
        { timeout: 5000 },
      )
      .then(() => true, () => false);
    check('position report arrived live', ok, u.callsign);
  }

  // 3. Intake: fill the form, click the map, submit.
  await page.click('[data-test=nav-intake]');
  await page.waitForSelector('[data-test=intake-form]');
  await page.fill('#in-name', '陈小红');
  await page.fill('#in-phone', '13912345678');
  await page.click('[data-test=intake-category] [data-value=criminal]');
  await page.click('[data-test=intake-subtype] [data-value=robbery]');
  await page.click('[data-test=intake-priority] [data-value="1"]');
  await page.fill('#in-narrative', '手机被抢，嫌疑人骑电动车向北逃跑，黑色上衣');
  await page.fill('#in-address', 'SE Division St 与 20th Ave 路口');
  const box = await page.locator('.ops-map-canvas').boundingBox();
  await page.mouse.click(box.x + box.width * 0.5, box.y + box.height * 0.55);
  await page.waitForSelector('[data-test=intake-location].set');
  await page.waitForTimeout(300);
  await shot('03-intake.png');
  await page.keyboard.press('Control+Enter');
  await page.waitForURL(/#\/incidents\/\d+$/, { timeout: 10000 });
  const incidentId = Number(page.url().match(/incidents\/(\d+)$/)[1]);
  check('incident created from the form', incidentId > 0, `incident ${incidentId}`);

  // 4. Detail with recommendations.
  await page.waitForSelector('[data-test=incident-detail]');
  const status0 = await page.textContent('[data-test=incident-status]');
  check('new incident awaits dispatch', status0.includes('待派警'), status0.trim());
  const callerShown = await page.textContent('[data-test=incident-detail]');
  check('dispatcher sees the caller unmasked', callerShown.includes('陈小红') && callerShown.includes('13912345678'));
  await page.waitForSelector('[data-test=recommendations] .rec', { timeout: 10000 });
  const recCount = await page.locator('[data-test=recommendations] .rec').count();
  check('recommendations listed', recCount > 0, `${recCount} units`);
  await page.waitForTimeout(900); // routes fitted on the map
  await shot('04-incident-recommendations.png');

  // 5. One-click dispatch of the first recommendation.
  const unitId = Number(await page.locator('[data-test=recommendations] .rec').first().getAttribute('data-unit-id'));
  await page.locator('[data-test=assign]').first().click();
  await page.waitForSelector('[data-test=assignment]', { timeout: 10000 });
  await page.waitForFunction(() => document.querySelector('[data-test=incident-status]')?.textContent?.includes('已派警'));
  check('dispatched with one click', true, `unit ${unitId}`);
  await shot('05-dispatched.png');

  // 6. The unit reports its arrival from elsewhere (a field terminal); the page must show it
  //    from the live feed alone.
  const other = (await apiCall('POST', '/api/session', undefined, { username: user, password })).token;
  await apiCall('POST', `/api/units/${unitId}/status`, other, { status: 'on_scene' });
  await page.waitForFunction(
    () => document.querySelector('[data-test=incident-status]')?.textContent?.includes('已到场'),
    undefined,
    { timeout: 10000 },
  );
  await page.waitForFunction(
    () => [...document.querySelectorAll('[data-test=timeline] .ev-label')].some((e) => e.textContent?.includes('到场')),
    undefined,
    { timeout: 10000 },
  );
  check('arrival arrived live (status and timeline)', true);
  await shot('06-live-arrival.png');

  // 7. English.
  await page.click('[data-test=lang-switch]');
  await page.waitForFunction(() => document.querySelector('[data-test=incident-title]')?.textContent?.includes('Incident'));
  const statusEn = await page.textContent('[data-test=incident-status]');
  check('language switched to English', statusEn.includes('On scene'), statusEn.trim());
  await shot('07-incident-english.png');
  await page.click('.nav-link >> nth=0');
  await page.waitForSelector('[data-test=incident-list]');
  await shot('08-command-english.png');
  await page.click('[data-test=lang-switch]'); // back to Chinese for the next run
} catch (e) {
  check('scenario ran to the end', false, String(e));
  await page.screenshot({ path: join(shots, 'error.png') }).catch(() => {});
}

check('no request outside the console host', outside.length === 0, outside.slice(0, 5).join(' '));
check('no page errors', pageErrors.length === 0, pageErrors.slice(0, 5).join(' | '));
await browser.close();
console.log(`screenshots in ${shots}`);
console.log(`${results.length - failed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
