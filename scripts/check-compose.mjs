// Checks docker-compose.yml: Compose itself validates and renders each profile (Debian's
// docker-compose parses without an engine), and the file is held to the service it starts: every
// variable the app's services set is one the service reads (a typo is otherwise silently
// ignored), the images are the ones the Dockerfile builds, and the database, bucket and
// credentials the instances use are the ones the db and MinIO services create.
// Needs the build (dist/) for the list of settings. Run by scripts/check-image.sh.
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { parse } from 'yaml';

const require = createRequire(import.meta.url);
const { settingNames } = require('../dist/src/config/app-config.js');
const known = new Set(settingNames());
const problems = [];

const rendered = {};
for (const profile of ['gpu', 'fleet']) {
  // `config` interpolates ${API_KEYS:-} and the anchors, and fails on anything the schema refuses.
  const out = execFileSync('docker-compose', ['-f', 'docker-compose.yml', '--profile', profile, 'config'], {
    encoding: 'utf8',
    env: { ...process.env, API_KEYS: '', WEBHOOK_SECRET: '' },
  });
  Object.assign(rendered, parse(out).services);
}

const appServices = Object.entries(rendered).filter(([, s]) => s.build);
if (appServices.length === 0) problems.push('no service builds the Dockerfile');
const db = rendered.db?.environment ?? {};
const minio = rendered.minio?.environment ?? {};
const bucketCommand = JSON.stringify(rendered['minio-bucket']?.entrypoint ?? '');
for (const [name, service] of appServices) {
  if (!String(service.image ?? '').startsWith('nanococoa')) problems.push(`${name}: image ${service.image} is not a nanococoa image`);
  const context = typeof service.build === 'string' ? service.build : service.build.context;
  if (context !== process.cwd()) problems.push(`${name}: builds ${context}, not this checkout`);
  const env = service.environment ?? {};
  for (const key of Object.keys(env)) if (!known.has(key)) problems.push(`${name}: ${key} is not a setting nanoCocoa reads`);
  const url = env.DATABASE_URL && new URL(env.DATABASE_URL);
  if (url && (url.hostname !== 'db' || decodeURIComponent(url.username) !== db.POSTGRES_USER || decodeURIComponent(url.password) !== db.POSTGRES_PASSWORD || url.pathname.slice(1) !== db.POSTGRES_DB)) {
    problems.push(`${name}: DATABASE_URL does not match the db service's user, password and database`);
  }
  if (env.STORAGE_DRIVER === 's3') {
    if (env.S3_ACCESS_KEY_ID !== minio.MINIO_ROOT_USER || env.S3_SECRET_ACCESS_KEY !== minio.MINIO_ROOT_PASSWORD) problems.push(`${name}: S3 credentials differ from MinIO's`);
    if (!new RegExp(`local/${env.S3_BUCKET}(?![\\w.-])`).test(bucketCommand)) problems.push(`${name}: bucket ${env.S3_BUCKET} is not the one minio-bucket creates`);
    if (!String(env.S3_ENDPOINT).startsWith('http://minio:')) problems.push(`${name}: S3_ENDPOINT ${env.S3_ENDPOINT} is not the minio service`);
  }
}

if (problems.length) {
  console.error(`check-compose: docker-compose.yml has problems:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  process.exit(1);
}
console.log(`check-compose: docker-compose.yml renders for the gpu and fleet profiles; ${appServices.length} app services hold to the settings, images, database and bucket`);
