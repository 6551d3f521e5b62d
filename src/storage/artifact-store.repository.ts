import { Injectable } from '@nestjs/common';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { AppConfig } from '../config/app-config';

const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const SAFE_ID = /^[0-9a-f-]{36}$/;

export interface StoredFile {
  path: string;
  bytes: number;
  sha256: string;
}

/** Job files on local disk under DATA_DIR/jobs/{id}/. Writes are atomic (temp file + rename). */
@Injectable()
export class ArtifactStoreRepository {
  constructor(private readonly config: AppConfig) {}

  async write(jobId: string, name: string, data: Buffer): Promise<StoredFile> {
    const relative = this.relativePath(jobId, name);
    const absolute = this.absolute(relative);
    await mkdir(path.dirname(absolute), { recursive: true });
    const temp = `${absolute}.${randomBytes(6).toString('hex')}.tmp`;
    await writeFile(temp, data);
    await rename(temp, absolute);
    return { path: relative, bytes: data.length, sha256: createHash('sha256').update(data).digest('hex') };
  }

  read(relative: string): Promise<Buffer> {
    return readFile(this.absolute(relative));
  }

  async removeJob(jobId: string): Promise<void> {
    if (!SAFE_ID.test(jobId)) throw new Error(`refusing to remove files of malformed job id ${jobId}`);
    await rm(path.join(this.config.dataDir, 'jobs', jobId), { recursive: true, force: true });
  }

  private relativePath(jobId: string, name: string): string {
    if (!SAFE_ID.test(jobId) || !SAFE_NAME.test(name)) throw new Error(`unsafe artifact path ${jobId}/${name}`);
    return path.posix.join('jobs', jobId, name);
  }

  private absolute(relative: string): string {
    const absolute = path.resolve(this.config.dataDir, relative);
    if (!absolute.startsWith(this.config.dataDir + path.sep)) throw new Error(`path escapes DATA_DIR: ${relative}`);
    return absolute;
  }
}
