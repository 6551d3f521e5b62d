import { after, before, describe, it } from 'node:test';
import { expect } from 'expect';
import express from 'express';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import request from 'supertest';
import { DomainException } from '../common/errors/domain.exception';
import { httpStatusFor } from '../common/errors/error-codes';
import { loadConfig } from '../config/app-config';
import { parseRange, sendArtifact, type DownloadableArtifact } from './artifact-download';
import { FsArtifactStore } from './fs-artifact.store';

describe('parseRange', () => {
  it('reads a closed range, an open-ended one and a suffix', () => {
    expect(parseRange('bytes=0-99', 1000)).toEqual({ start: 0, end: 99 });
    expect(parseRange('bytes=500-', 1000)).toEqual({ start: 500, end: 999 });
    expect(parseRange('bytes=-100', 1000)).toEqual({ start: 900, end: 999 });
    expect(parseRange(' Bytes = 5 - 5 ', 1000)).toEqual({ start: 5, end: 5 });
  });

  it('clamps an end past the file, and a suffix longer than the file', () => {
    expect(parseRange('bytes=990-5000', 1000)).toEqual({ start: 990, end: 999 });
    expect(parseRange('bytes=-5000', 1000)).toEqual({ start: 0, end: 999 });
  });

  it('calls a start at or past the end unsatisfiable, like an empty suffix or an empty file', () => {
    expect(parseRange('bytes=1000-', 1000)).toBe('unsatisfiable');
    expect(parseRange('bytes=1000-1001', 1000)).toBe('unsatisfiable');
    expect(parseRange('bytes=-0', 1000)).toBe('unsatisfiable');
    expect(parseRange('bytes=0-', 0)).toBe('unsatisfiable');
  });

  it('ignores what it does not serve: no header, bad syntax, other units, several ranges', () => {
    for (const header of [undefined, '', 'bytes=', 'bytes=-', 'bytes=abc', 'bytes=5-2', 'items=0-5', 'bytes=0-1,5-6', 'bytes=99999999999999999999-']) {
      expect(parseRange(header, 1000)).toBeNull();
    }
  });
});

describe('sendArtifact', () => {
  const content = Buffer.from('0123456789abcdef');
  const artifact: DownloadableArtifact = {
    path: 'jobs/x/final.png',
    mime: 'image/png',
    bytes: content.length,
    sha256: createHash('sha256').update(content).digest('hex'),
    name: 'final.png',
  };
  const etag = `"${artifact.sha256}"`;
  let dataDir: string;
  let http: ReturnType<typeof request>;

  before(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'nanococoa-download-'));
    const store = new FsArtifactStore(loadConfig({ DATA_DIR: dataDir }));
    await store.write(artifact.path, content, artifact.mime);
    const app = express();
    app.get('/a/:which', (req, res) => sendArtifact(req, res, store, req.params.which === 'lost' ? { ...artifact, path: 'jobs/x/lost.png' } : artifact));
    // Stands in for the global filter: the status and code of a DomainException.
    app.use((error: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
      if (!(error instanceof DomainException)) throw error;
      res.status(httpStatusFor(error.code)).json({ error: { code: error.code, details: error.details ?? null } });
    });
    http = request(app);
  });
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it('sends the whole file with its validators and name', async () => {
    const res = await http.get('/a/final').buffer(true).expect(200);
    expect(res.headers).toMatchObject({
      etag,
      'cache-control': 'no-cache',
      'accept-ranges': 'bytes',
      'content-type': 'image/png',
      'content-length': String(content.length),
      'content-disposition': 'inline; filename="final.png"',
    });
    expect(Buffer.from(res.body as Buffer)).toEqual(content);
  });

  it('answers 304 to a matching If-None-Match, weak or in a list', async () => {
    await http.get('/a/final').set('If-None-Match', etag).expect(304);
    await http.get('/a/final').set('If-None-Match', `"other", W/${etag}`).expect(304);
    await http.get('/a/final').set('If-None-Match', '"other"').expect(200);
  });

  it('serves one range as 206, and the whole file when If-Range names another version', async () => {
    const part = await http.get('/a/final').set('Range', 'bytes=2-5').buffer(true).expect(206);
    expect(part.headers['content-range']).toBe(`bytes 2-5/${content.length}`);
    expect(part.headers['content-length']).toBe('4');
    expect(Buffer.from(part.body as Buffer).toString()).toBe('2345');

    const stale = await http.get('/a/final').set('Range', 'bytes=2-5').set('If-Range', '"old"').expect(200);
    expect(stale.headers['content-length']).toBe(String(content.length));
    await http.get('/a/final').set('Range', 'bytes=2-5').set('If-Range', etag).expect(206);
    await http.get('/a/final').set('Range', 'bytes=0-1,4-5').expect(200);
  });

  it('answers 416 with the size for a range past the end', async () => {
    const res = await http.get('/a/final').set('Range', `bytes=${content.length}-`).expect(416);
    expect(res.headers['content-range']).toBe(`bytes */${content.length}`);
    expect(res.body).toEqual({ error: { code: 'RANGE_NOT_SATISFIABLE', details: { size: content.length } } });
  });

  it('sends headers only to HEAD', async () => {
    const res = await http.head('/a/final').expect(200);
    expect(res.headers['content-length']).toBe(String(content.length));
    const part = await http.head('/a/final').set('Range', 'bytes=-4').expect(206);
    expect(part.headers['content-range']).toBe(`bytes 12-15/${content.length}`);
  });

  it('lets ARTIFACT_MISSING reach the error filter when the file is gone', async () => {
    const res = await http.get('/a/lost').expect(404);
    expect(res.body).toMatchObject({ error: { code: 'ARTIFACT_MISSING' } });
    await http.head('/a/lost').expect(404);
  });
});
