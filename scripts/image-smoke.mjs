// What a new user does first with the image, over its HTTP API: /health, one ad from the sample
// photo, a decomposition of that ad into layers, the ZIP. Used by scripts/check-image.sh.
// Usage: node scripts/image-smoke.mjs http://127.0.0.1:PORT
import { readFileSync } from 'node:fs';

const base = process.argv[2];
if (!base) throw new Error('usage: image-smoke.mjs BASE_URL');

async function json(path, init) {
  const res = await fetch(`${base}${path}`, init);
  const body = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(`${init?.method ?? 'GET'} ${path}: ${res.status} ${JSON.stringify(body).slice(0, 400)}`);
  return body;
}

/** Polls a job's status until it ends; the image runs on CPU, so minutes are allowed. */
async function finished(statusPath, timeoutMs = 300_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = await json(`${statusPath}?include_images=false&include_metrics=false`);
    if (!['pending', 'running'].includes(s.status)) {
      if (s.status !== 'completed') throw new Error(`${statusPath} ended ${s.status}: ${JSON.stringify(s.error ?? s.message)}`);
      return s;
    }
    if (Date.now() > deadline) throw new Error(`${statusPath} still ${s.status} (${s.progress_percent}%) after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

async function download(path) {
  const res = await fetch(`${base}${path}`);
  if (!res.ok) throw new Error(`GET ${path}: ${res.status}`);
  return Buffer.from(await res.arrayBuffer());
}

const started = Date.now();
const health = await json('/health');
if (health.status !== 'ok') throw new Error(`/health says ${health.status}: ${JSON.stringify(health.warnings)}`);
console.log(`image-smoke: /health ok (segmentation ${health.segmentation_model}, fonts with Hangul: ${health.fonts.hangul})`);

const ad = new FormData();
ad.append('product_image', new Blob([readFileSync('samples/coffee-cup.png')], { type: 'image/png' }), 'coffee-cup.png');
ad.append('text_content', '갓 내린 핸드드립 4,500원');
ad.append('bg_prompt', 'warm beige studio');
const { job_id: adJob } = await json('/generate', { method: 'POST', body: ad });
await finished(`/status/${adJob}`);
const final = await download(`/jobs/${adJob}/artifacts/final.png`);
if (final.subarray(1, 4).toString() !== 'PNG') throw new Error('final.png is not a PNG');
console.log(`image-smoke: ad ${adJob} completed, final.png ${final.length} bytes`);

const poster = new FormData();
poster.append('image', new Blob([final], { type: 'image/png' }), 'ad.png');
poster.append('num_layers', '4');
const { job_id: layersJob } = await json('/api/decompose', { method: 'POST', body: poster });
const done = await finished(`/api/status/${layersJob}`);
const zip = await download(`/api/download/${layersJob}`);
if (zip.readUInt32LE(0) !== 0x04034b50) throw new Error('the download is not a ZIP');
const kinds = (done.result?.layers ?? []).map((l) => l.kind).join(', ');
if (!kinds.includes('text')) throw new Error(`the ad's copy was not found as a text layer: ${kinds}`);
console.log(`image-smoke: decomposition ${layersJob} completed: ${kinds}; ZIP ${zip.length} bytes`);
console.log(`image-smoke: passed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
