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
// Steps: log in, see the live picture and the offline base map (vector tiles from the server),
// filter the incident list, switch the heat layer on, take a call with the intake form (address
// typed and picked from the search, by keyboard), open it, see recommendations with routes,
// dispatch with one click, see the unit's arrival reported by another client arrive live,
// switch to English. Any request to a host other than the console's own fails the run, as does
// any uncaught page error. Nothing here depends on the city the server's map is of.
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
  args: [
    '--no-sandbox',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
    '--use-gl=angle',
    '--use-angle=swiftshader',
    '--enable-unsafe-swiftshader',
  ],
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
// Base map tiles answered: status and body size.
const tiles = [];
page.on('response', (res) => {
  if (!res.url().includes('/api/map/tiles/')) return;
  res.body().then(
    (b) => tiles.push({ status: res.status(), bytes: b.length }),
    () => tiles.push({ status: res.status(), bytes: 0 }),
  );
});
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

  // The offline base map: the server has one, tiles come back with roads in them, and the map
  // holds road features from them.
  const mapInfo = await apiCall('GET', '/api/map', token);
  check('server has a base map', mapInfo.loaded === true, JSON.stringify(mapInfo).slice(0, 120));
  if (mapInfo.loaded) {
    const drew = await page
      .waitForFunction(() => (window.pinganMap?.querySourceFeatures('base', { sourceLayer: 'roads' }).length ?? 0) > 0, undefined, {
        timeout: 15000,
      })
      .then(() => true, () => false);
    const roads = await page.evaluate(() => window.pinganMap?.querySourceFeatures('base', { sourceLayer: 'roads' }).length ?? 0);
    const full = tiles.filter((t) => t.status === 200 && t.bytes > 0).length;
    check('base map drew roads from vector tiles', drew && full > 0, `${roads} road features, ${full}/${tiles.length} non-empty tiles`);
    const bad = tiles.filter((t) => t.status !== 200);
    check('every tile request answered 200', bad.length === 0, bad.map((t) => t.status).join(','));
  }

  // Filters: the category of a listed incident, then back to the defaults. The list then holds
  // only that category, and the map draws exactly the listed incidents (new incidents may
  // arrive meanwhile on a live demo: the comparison is retried).
  const someCategory = await page.getAttribute('[data-test=incident-list] .inc-row >> nth=0', 'data-category').catch(() => null);
  if (someCategory) {
    // The options: "all categories", then the categories in the server's order.
    const index = (await apiCall('GET', '/api/categories', token)).categories.findIndex((c) => c.code === someCategory);
    await page.click('[data-test=filter-category]');
    await page.click(`.el-select-dropdown__item:visible >> nth=${1 + index}`);
    // The list's ids and categories, and the ids in the map's incident source (all of them,
    // in view or not). Only located incidents can be on the map.
    const compare = () =>
      page.evaluate(async (code) => {
        const rows = [...document.querySelectorAll('[data-test=incident-list] .inc-row')];
        const listed = rows.map((r) => Number(r.dataset.incidentId));
        const located = rows.filter((r) => r.dataset.located === '1').map((r) => Number(r.dataset.incidentId));
        const others = rows.filter((r) => r.dataset.category !== code).length;
        const data = await window.pinganMap?.getSource('incidents')?.getData();
        const drawn = new Set((data?.features ?? []).map((f) => f.properties.id));
        const missing = located.filter((id) => !drawn.has(id)).length;
        // A list cut at its row limit leaves drawn incidents unlisted.
        const cut = document.querySelector('[data-test=list-cut]') !== null;
        const extra = cut ? 0 : [...drawn].filter((id) => !listed.includes(id)).length;
        return { listed: listed.length, others, drawn: drawn.size, missing, extra };
      }, someCategory);
    let c = await compare();
    for (let k = 0; k < 20 && !(c.listed > 0 && c.others === 0 && c.extra === 0 && c.missing === 0); k++) {
      await page.waitForTimeout(250);
      c = await compare();
    }
    check(
      'category filter applies to list and map',
      c.listed > 0 && c.others === 0 && c.extra === 0 && c.missing === 0,
      `${someCategory}: ${c.listed} listed (${c.others} of another category), ${c.drawn} on the map (${c.missing} missing, ${c.extra} extra)`,
    );
    await page.click('[data-test=filter-reset]');
    await page.waitForFunction(
      (code) => [...document.querySelectorAll('[data-test=incident-list] .inc-row')].some((r) => r.dataset.category !== code),
      someCategory,
      { timeout: 5000 },
    ).catch(() => {});
  }

  // Heat layer over the chosen window, switched on from the command view.
  const heatAnswer = page.waitForResponse((r) => r.url().includes('/api/incidents/heat'), { timeout: 10000 });
  await page.click('[data-test=heat-toggle]');
  const heatRes = await heatAnswer.catch(() => null);
  const heatShown = await page
    .waitForFunction(() => window.pinganMap?.getLayoutProperty('heat', 'visibility') === 'visible', undefined, { timeout: 5000 })
    .then(() => true, () => false);
  const heatCount = await page.textContent('[data-test=heat-count]', { timeout: 5000 }).catch(() => '');
  check('heat layer switched on', heatRes?.status() === 200 && heatShown, `HTTP ${heatRes?.status()}, legend "${heatCount?.trim()}"`);
  await page.click('[data-test=filter-window] label:nth-child(2)'); // 7 days
  await page.waitForTimeout(800);
  await shot('02b-heat.png');
  await page.click('[data-test=filter-window] label:nth-child(1)');
  await page.click('[data-test=heat-toggle]');
  const heatHidden = await page
    .waitForFunction(() => window.pinganMap?.getLayoutProperty('heat', 'visibility') === 'none', undefined, { timeout: 5000 })
    .then(() => true, () => false);
  check('heat layer switched off', heatHidden);

  // A position report from a terminal reaches the page over the live feed. On a living demo
  // the unit may report a newer fix of its own meanwhile: any fix at least as new counts.
  const units = (await apiCall('GET', '/api/units', token)).units.filter((u) => u.position);
  if (units.length > 0) {
    const u = units[0];
    const before = await page.getAttribute(`[data-unit-id="${u.id}"]`, 'data-fix-time');
    const time = new Date(Date.now() - 1000).toISOString();
    await apiCall('POST', `/api/units/${u.id}/position`, token, {
      lon: u.position.lon + 0.0005, lat: u.position.lat, time,
    });
    const ok = await page
      .waitForFunction(
        ([id, t, old]) => {
          const now = document.querySelector(`[data-unit-id="${id}"]`)?.dataset.fixTime ?? '';
          return Date.parse(now) === Date.parse(t) || (now !== old && Date.parse(now) >= Date.parse(t));
        },
        [u.id, time, before],
        { timeout: 8000 },
      )
      .then(() => true, () => false);
    check('position report arrived live', ok, u.callsign);
  }

  // 3. Intake: the address by search (typed, first suggestion taken with Enter), the rest of
  //    the form, submit. A street name comes from the server's own search with a short query,
  //    so this works on any city's map; without results the map is clicked instead.
  await page.click('[data-test=nav-intake]');
  await page.waitForSelector('[data-test=intake-form]');
  let street = null;
  for (const q of ['路', '街', '道', 'Street', 'Avenue', 'Road', 'St', 'a', 'e']) {
    const r = await apiCall('GET', `/api/map/search?q=${encodeURIComponent(q)}&limit=10`, token).catch(() => ({ results: [] }));
    street = (r.results ?? []).find((x) => x.kind === 'street') ?? r.results?.[0] ?? null;
    if (street) break;
  }
  check('address search answers', street !== null, street ? `${street.name} (${street.kind})` : 'no results');
  const focused = await page.evaluate(() => document.activeElement?.id);
  check('intake starts in the address field', focused === 'in-address', `focus on #${focused}`);
  if (street) {
    // Part of the name, as a dispatcher types it.
    const chars = [...street.name];
    const typed = chars.slice(0, Math.max(2, Math.ceil(chars.length * 0.6))).join('').trim();
    const expected = (await apiCall('GET', `/api/map/search?q=${encodeURIComponent(typed)}&limit=10`, token)).results[0];
    await page.focus('#in-address');
    await page.keyboard.type(typed, { delay: 40 });
    await page.waitForSelector('.place-suggestions li .place-item', { timeout: 5000 });
    await page.waitForTimeout(200);
    await shot('03a-address-search.png');
    await page.keyboard.press('Enter');
    await page.waitForSelector('[data-test=intake-location].set', { timeout: 5000 });
    const address = await page.inputValue('#in-address');
    const picked = (await page.textContent('[data-test=intake-location] .mono')).split(',').map(Number);
    const near = Math.abs(picked[0] - expected.lon) < 2e-5 && Math.abs(picked[1] - expected.lat) < 2e-5;
    check(
      'address picked from the search sets the location',
      address === expected.name && near,
      `typed "${typed}", picked "${address}" at ${picked.join(', ')} (search: ${expected.name} at ${expected.lon}, ${expected.lat})`,
    );
  } else {
    await page.fill('#in-address', '路口');
    const box = await page.locator('.ops-map-canvas').boundingBox();
    await page.mouse.click(box.x + box.width * 0.5, box.y + box.height * 0.55);
    await page.waitForSelector('[data-test=intake-location].set');
  }
  await page.fill('#in-name', '陈小红');
  await page.fill('#in-phone', '13912345678');
  // Category by keyboard: Tab into the group, arrows to choose.
  await page.focus('[data-test=intake-category] button[tabindex="0"]');
  await page.keyboard.press('Enter');
  const criminalIndex = await page.locator('[data-test=intake-category] button').evaluateAll((bs) => bs.findIndex((b) => b.dataset.value === 'criminal'));
  for (let k = 0; k < criminalIndex; k++) await page.keyboard.press('ArrowRight');
  const chosen = await page.getAttribute('[data-test=intake-category] button[aria-checked=true]', 'data-value');
  check('category chosen with the keyboard', chosen === 'criminal', chosen ?? 'none');
  await page.click('[data-test=intake-category] [data-value=criminal]');
  await page.click('[data-test=intake-subtype] [data-value=robbery]');
  await page.click('[data-test=intake-priority] [data-value="1"]');
  await page.fill('#in-narrative', '手机被抢，嫌疑人骑电动车向北逃跑，黑色上衣');
  await page.waitForTimeout(600);
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

  // On the living demo the crew goes on to handle and close the call within seconds of
  // arriving, so any state after arrival shows the arrival reached the page.
  const afterArrival = process.env.PINGAN_DEMO === '1' ? ['已到场', '处置中', '已结案'] : ['已到场'];
  const afterArrivalEn = process.env.PINGAN_DEMO === '1' ? ['On scene', 'Handling', 'Closed'] : ['On scene'];

  // 6. The unit's arrival reaches the page from the live feed alone. On the living demo
  //    (PINGAN_DEMO=1) the simulated crew drives there over the roads and reports it itself;
  //    elsewhere the test reports it as a field terminal would, from another client.
  const other = (await apiCall('POST', '/api/session', undefined, { username: user, password })).token;
  if (process.env.PINGAN_DEMO === '1') {
    const arrived = await page
      .waitForFunction(
        (states) => states.some((s) => document.querySelector('[data-test=incident-status]')?.textContent?.includes(s)),
        afterArrival,
        { timeout: 45000 },
      )
      .then(() => true, () => false);
    const detail = await apiCall('GET', `/api/incidents/${incidentId}`, other);
    const arrival = (detail.timeline ?? []).find((e) => e.type === 'incident.arrive');
    check('the crew drove there and reported arrival itself', arrived && arrival && arrival.actor !== user,
      arrival ? `reported by ${arrival.actor}` : 'no arrival');
  } else {
    await apiCall('POST', `/api/units/${unitId}/status`, other, { status: 'on_scene' });
  }
  await page.waitForFunction(
    (states) => states.some((s) => document.querySelector('[data-test=incident-status]')?.textContent?.includes(s)),
    afterArrival,
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
  check('language switched to English', afterArrivalEn.some((t) => statusEn.includes(t)), statusEn.trim());
  await shot('07-incident-english.png');
  await page.click('.nav-link >> nth=0');
  await page.waitForSelector('[data-test=incident-list]');
  // The command view's new parts speak English too (no Chinese in the filters and heat switch).
  const cjk = /[\u3400-\u9fff]/;
  const bar = await page.textContent('[data-test=filters]');
  const headText = await page.textContent('.panel-left .panel-head');
  check('filters and heat switch in English', !cjk.test(bar) && !cjk.test(headText) && headText.includes('Heat'), `${headText.trim()} | ${bar.trim()}`);
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
