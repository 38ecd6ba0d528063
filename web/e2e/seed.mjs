// Fills a running server (made with e2e/demo-data.sh) with units, positions and a few
// incidents over the HTTP API, so that the console has something to show.
//
//   node e2e/seed.mjs                       # API at http://127.0.0.1:8080
//   PINGAN_API=http://127.0.0.1:8080 MOVE_SECONDS=60 node e2e/seed.mjs
//
// MOVE_SECONDS > 0 keeps moving the units (a small random walk, one report per unit every
// 2 s) for that many seconds, to watch positions arrive live. It stops by itself.

const api = process.env.PINGAN_API ?? 'http://127.0.0.1:8080';
const moveSeconds = Number(process.env.MOVE_SECONDS ?? 0);

async function call(method, path, token, body) {
  const res = await fetch(api + path, {
    method,
    headers: {
      'Content-Type': 'application/json',
      ...(token ? { Authorization: `Bearer ${token}` } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  const data = text ? JSON.parse(text) : {};
  if (!res.ok) {
    const err = new Error(`${method} ${path}: ${res.status} ${data.message ?? text}`);
    err.status = res.status;
    throw err;
  }
  return data;
}

async function login(username, password) {
  return (await call('POST', '/api/session', undefined, { username, password })).token;
}

// Central Portland, where the demo's roads are dense (downtown and the east side).
const centre = { lon: -122.66, lat: 45.52 };
let seed = 42;
function random() {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  return seed / 2147483648;
}
function near(spread) {
  return {
    lon: +(centre.lon + (random() - 0.5) * spread).toFixed(6),
    lat: +(centre.lat + (random() - 0.5) * spread * 0.7).toFixed(6),
  };
}

const unitsWanted = [
  ['巡特警1组', 'patrol', 'car'], ['巡特警2组', 'patrol', 'car'], ['巡特警3组', 'patrol', 'car'],
  ['巡特警4组', 'patrol', 'motorcycle'], ['巡特警5组', 'patrol', 'motorcycle'],
  ['城东所巡1', 'station', 'car'], ['城东所巡2', 'station', 'car'], ['城西所巡1', 'station', 'car'],
  ['城西所徒步1', 'station', 'foot'], ['机关下沉1', 'hq', 'car'], ['警保联控1', 'guard', 'bicycle'],
  ['义警巡逻1', 'volunteer', 'foot'],
];

const chief = await login('chief', 'chief12345');
const li = await login('li', 'pass12345');

const existing = (await call('GET', '/api/units', li)).units;
const units = [];
for (const [callsign, force, mode] of unitsWanted) {
  let unit = existing.find((u) => u.callsign === callsign);
  if (!unit) {
    unit = await call('POST', '/api/units', chief, {
      callsign, force, mode, members: ['民警', '辅警'],
      status: callsign === '城西所徒步1' ? 'off_duty' : 'available',
    });
  }
  units.push(unit);
}
for (const unit of units) {
  unit.at = unit.position ?? near(0.06);
  await call('POST', `/api/units/${unit.id}/position`, li, { lon: unit.at.lon, lat: unit.at.lat });
}
console.log(`${units.length} units with positions`);

const { incidents } = await call('GET', '/api/incidents?limit=1', li);
if (incidents.length === 0) {
  const calls = [
    { category: 'criminal', subtype: 'theft', priority: 2, address: 'SW Broadway & Morrison St',
      caller_name: '张三', caller_phone: '13812345678', narrative: '电动车被盗，嫌疑人向东逃离' },
    { category: 'traffic', subtype: 'accident', priority: 1, address: 'Burnside Bridge 东桥头',
      caller_name: '王小明', caller_phone: '13987654321', narrative: '两车相撞，一人受伤，需要救护车' },
    { category: 'public_order', subtype: 'noise', priority: 4, address: 'NE Couch St 1200 号',
      caller_name: '欧阳娜娜', caller_phone: '0535-6661234', narrative: '楼上深夜噪音扰民' },
    { category: 'help', subtype: 'lost_person', priority: 2, address: 'Lloyd Center 商场北门',
      caller_name: '李四', caller_phone: '13700001111', narrative: '七岁男孩走失，穿红色上衣' },
    { category: 'public_order', subtype: 'fight', priority: 1, address: 'SE Hawthorne Blvd 夜市',
      caller_name: '赵六', caller_phone: '13600002222', narrative: '烧烤摊多人斗殴' },
  ];
  const made = [];
  for (const c of calls) made.push(await call('POST', '/api/incidents', li, { ...c, ...near(0.05) }));
  // The first one is dispatched to its best unit, so the picture shows an assignment.
  try {
    const rec = await call('GET', `/api/incidents/${made[0].id}/recommendations?k=1`, li);
    if (rec.recommendations.length > 0) {
      await call('POST', `/api/incidents/${made[0].id}/actions`, li,
        { action: 'dispatch', unit_id: rec.recommendations[0].unit_id });
    }
  } catch (e) {
    console.warn(`no dispatch: ${e.message}`);
  }
  console.log(`${made.length} incidents`);
}

if (moveSeconds > 0) {
  const until = Date.now() + moveSeconds * 1000;
  while (Date.now() < until) {
    for (const unit of units) {
      unit.at = {
        lon: +(unit.at.lon + (random() - 0.5) * 0.002).toFixed(6),
        lat: +(unit.at.lat + (random() - 0.5) * 0.0014).toFixed(6),
      };
      await call('POST', `/api/units/${unit.id}/position`, li, unit.at).catch(() => {});
    }
    await new Promise((r) => setTimeout(r, 2000));
  }
}
