// Open311 GeoReport v2 responses checked against the published JSON Schemas
// (open311/schema-validation, in ../shared/data/protocol-vectors/open311-schema) with ajv.
//
//   node tests/open311/validate.mjs PINGAN_BINARY SCHEMA_DIR        starts its own server
//   node tests/open311/validate.mjs --url http://HOST:PORT --api-key KEY SCHEMA_DIR
//
// With a binary it imports two stations into a fresh data directory, adds an API key with
// `pingan apikey add`, starts `pingan serve` on a free port and stops it at the end. It fetches
// services.json, every services/{code}.json, POSTs requests (form-encoded, one with a position
// and one with only an address), then requests.json, requests/{id}.json and tokens/{token}.json,
// and validates each. POST and token answers, which have no schema file of their own, are
// checked against the Swagger description's RequestResponse and TokenResponse. Exit status 0
// when every document is valid; the errors are printed otherwise.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const webDir = resolve(here, '../../web');
const require = createRequire(join(webDir, 'package.json'));
let Ajv, addFormats;
try {
  Ajv = require('ajv').default;
  addFormats = require('ajv-formats').default;
} catch (e) {
  console.error(`validate: ajv is not installed in ${webDir}/node_modules: run \`npm ci\` in web/`);
  process.exit(1);
}

function usage() {
  console.error(
    'usage: validate.mjs PINGAN_BINARY SCHEMA_DIR | validate.mjs --url URL --api-key KEY SCHEMA_DIR',
  );
  process.exit(2);
}

const args = process.argv.slice(2);
let binary = null;
let baseUrl = null;
let apiKey = null;
let schemaDir = null;
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--url') baseUrl = args[++i];
  else if (args[i] === '--api-key') apiKey = args[++i];
  else if (!binary && !baseUrl && i === 0) binary = args[i];
  else schemaDir = args[i];
}
if (!schemaDir || (!binary && !(baseUrl && apiKey))) usage();

// ---------------------------------------------------------------------------------------------
const ajv = new Ajv({ allErrors: true, strict: false });
addFormats(ajv);
// Swagger 2.0 formats that are descriptions rather than checks.
for (const f of ['uid', 'uint', 'double', 'int32', 'int64']) ajv.addFormat(f, true);
for (const name of ['service.json', 'services.json', 'service-definition.json', 'request.json', 'requests.json']) {
  ajv.addSchema(JSON.parse(readFileSync(join(schemaDir, name), 'utf8')), name);
}
const swagger = JSON.parse(readFileSync(join(schemaDir, 'swagger.json'), 'utf8'));
ajv.addSchema({ definitions: swagger.definitions }, 'swagger-definitions.json');
const arrayOf = (ref) => ({ type: 'array', minItems: 1, items: { $ref: `swagger-definitions.json#/definitions/${ref}` } });
const validators = {
  services: ajv.getSchema('services.json'),
  definition: ajv.getSchema('service-definition.json'),
  request: ajv.getSchema('request.json'),
  requests: ajv.getSchema('requests.json'),
  posted: ajv.compile(arrayOf('RequestResponse')),
  token: ajv.compile(arrayOf('TokenResponse')),
};

let failures = 0;
let checked = 0;
function check(what, validatorName, doc, extra = () => []) {
  checked += 1;
  const validate = validators[validatorName];
  const ok = validate(doc);
  const problems = (ok ? [] : validate.errors.map((e) => `${e.instancePath || '/'} ${e.message}`)).concat(extra(doc));
  if (problems.length) {
    failures += 1;
    console.error(`FAIL ${what} (${validatorName}):\n  ${problems.join('\n  ')}\n  ${JSON.stringify(doc).slice(0, 600)}`);
  } else {
    console.log(`ok   ${what}`);
  }
}

async function getJson(path) {
  const r = await fetch(baseUrl + path);
  const text = await r.text();
  if (r.status !== 200) throw new Error(`GET ${path}: ${r.status} ${text.slice(0, 300)}`);
  return JSON.parse(text);
}

async function postForm(path, fields) {
  const body = new URLSearchParams(fields).toString();
  const r = await fetch(baseUrl + path, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body,
  });
  const text = await r.text();
  return { status: r.status, body: JSON.parse(text) };
}

// ---------------------------------------------------------------------------------------------
let server = null;
let work = null;

function run(argv) {
  const r = spawnSync(binary, argv, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`pingan ${argv.join(' ')}: ${r.stdout}${r.stderr}`);
  return r.stdout;
}

async function startServer() {
  work = mkdtempSync(join(tmpdir(), 'pingan-open311-'));
  const data = join(work, 'data');
  const square = (x0, x1) => ({
    type: 'Polygon',
    coordinates: [[[x0, 37.4], [x1, 37.4], [x1, 37.6], [x0, 37.6], [x0, 37.4]]],
  });
  const districts = {
    type: 'FeatureCollection',
    features: [
      { type: 'Feature', properties: { id: 'LS', name: '莱山分局', level: 'bureau' }, geometry: square(121.3, 121.5) },
      { type: 'Feature', properties: { id: 'LS-01', name: '初家派出所', level: 'station', parent_id: 'LS' }, geometry: square(121.3, 121.4) },
      { type: 'Feature', properties: { id: 'LS-02', name: '黄海路派出所', level: 'station', parent_id: 'LS' }, geometry: square(121.4, 121.5) },
    ],
  };
  writeFileSync(join(work, 'districts.geojson'), JSON.stringify(districts));
  run(['import', 'jurisdictions', join(work, 'districts.geojson'), '--data-dir', data]);
  apiKey = run(['apikey', 'add', '--data-dir', data, '--name', 'schema-validator']).trim();
  server = spawn(binary, ['serve', '--data-dir', data, '--listen', '127.0.0.1:0', '--web-root', join(work, 'no-console')], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  baseUrl = await new Promise((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error(`pingan serve did not start:\n${output}`)), 30000);
    const onData = (chunk) => {
      output += chunk;
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolveUrl(m[1]);
      }
    };
    server.stdout.on('data', onData);
    server.stderr.on('data', onData);
    server.on('exit', (code) => reject(new Error(`pingan serve exited (${code}):\n${output}`)));
  });
}

function stopServer() {
  if (server && server.exitCode === null) server.kill('SIGTERM');
  if (work) rmSync(work, { recursive: true, force: true });
}

async function main() {
  if (binary) await startServer();
  console.log(`Open311 at ${baseUrl}/open311/v2, schemas from ${schemaDir}`);
  const base = '/open311/v2';

  const services = await getJson(`${base}/services.json`);
  check('services.json', 'services', services, (doc) => (doc.length >= 4 ? [] : ['fewer than 4 services']));
  for (const s of services) {
    const definition = await getJson(`${base}/services/${s.service_code}.json`);
    check(`services/${s.service_code}.json`, 'definition', definition, (d) => {
      const type = (d.attributes || []).find((a) => a.code === 'type');
      if (!type) return ['no attribute "type"'];
      const keys = (type.values || []).map((v) => v.key).sort().join(',');
      return type.required === true && type.datatype === 'singlevaluelist' && keys === 'complaint,consultation,suggestion'
        ? []
        : [`attribute type is ${JSON.stringify(type)}`];
    });
  }

  const withPosition = await postForm(`${base}/requests.json`, {
    api_key: apiKey,
    service_code: services[0].service_code,
    lat: '37.5',
    long: '121.45',
    address_string: '迎春大街 100 号',
    description: '楼下烧烤摊每晚噪音到凌晨',
    first_name: '小明',
    last_name: '王',
    email: 'xiaoming@example.org',
    phone: '13812345678',
    media_url: 'https://example.org/photo.jpeg',
    'attribute[type]': 'complaint',
  });
  if (withPosition.status !== 200) throw new Error(`POST: ${withPosition.status} ${JSON.stringify(withPosition.body)}`);
  check('POST requests.json (lat/long)', 'posted', withPosition.body);
  const addressOnly = await postForm(`${base}/requests.json`, {
    api_key: apiKey,
    service_code: 'documents',
    address_string: '莱山区政务服务中心',
    description: '居住证办理需要哪些材料？',
    'attribute[type]': 'consultation',
  });
  check('POST requests.json (address only)', 'posted', addressOnly.body);
  const refused = await postForm(`${base}/requests.json`, { service_code: 'other', description: 'x' });
  checked += 1;
  if (refused.status !== 403 || !Array.isArray(refused.body) || refused.body[0].code !== 403) {
    failures += 1;
    console.error(`FAIL POST without api_key: ${refused.status} ${JSON.stringify(refused.body)}`);
  } else {
    console.log('ok   POST without api_key: 403 [{code, description}]');
  }

  const id = withPosition.body[0].service_request_id;
  const noPii = (doc) =>
    ['13812345678', '小明', 'xiaoming@example.org'].filter((p) => JSON.stringify(doc).includes(p)).map((p) => `leaks ${p}`);
  const list = await getJson(`${base}/requests.json`);
  check('requests.json', 'requests', list, (doc) => noPii(doc).concat(doc.length === 2 ? [] : [`${doc.length} requests, expected 2`]));
  for (const r of list) check(`requests.json item ${r.service_request_id}`, 'request', r);
  const now = new Date();
  const start = new Date(now.getTime() - 3600e3).toISOString();
  const end = new Date(now.getTime() + 3600e3).toISOString();
  const window = await getJson(`${base}/requests.json?start_date=${start}&end_date=${end}&status=open`);
  check('requests.json?start_date&end_date&status', 'requests', window);
  const one = await getJson(`${base}/requests/${id}.json`);
  check(`requests/${id}.json`, 'requests', one, (doc) =>
    noPii(doc).concat(doc[0].agency_responsible === '黄海路派出所' ? [] : [`agency_responsible ${doc[0].agency_responsible}`]),
  );
  const token = await getJson(`${base}/tokens/${withPosition.body[0].token}.json`);
  check('tokens/{token}.json', 'token', token, (doc) => (doc[0].service_request_id === id ? [] : ['wrong id']));

  console.log(`${checked - failures}/${checked} documents valid`);
  return failures === 0 ? 0 : 1;
}

main()
  .then(
    (code) => {
      stopServer();
      process.exit(code);
    },
    (e) => {
      console.error(`validate: ${e.stack || e}`);
      stopServer();
      process.exit(1);
    },
  )
  .catch(() => process.exit(1));
