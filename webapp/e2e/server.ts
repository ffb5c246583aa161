import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, createWriteStream } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import type { TestProject } from 'vitest/node';

/**
 * Starts the real server jar once for all end-to-end tests, on a free port and a fresh embedded
 * database with the demo practice, and waits until it is ready (no fixed sleep: it polls health).
 * E2E_BASE_URL points the tests at a server that is already running instead.
 */
let server: ChildProcess | undefined;

async function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => ok(port));
    });
    s.on('error', fail);
  });
}

async function ready(base: string, deadlineMs: number): Promise<void> {
  const started = Date.now();
  for (;;) {
    try {
      const r = await fetch(`${base}/actuator/health/readiness`);
      if (r.ok) return;
    } catch {
      // not listening yet
    }
    if (server?.exitCode !== null && server?.exitCode !== undefined) {
      throw new Error(`The server exited with ${server.exitCode}; see its log`);
    }
    if (Date.now() - started > deadlineMs) {
      throw new Error(`The server at ${base} did not become ready`);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

export default async function setup(project: TestProject) {
  let base = process.env.E2E_BASE_URL;
  const out = resolve(process.env.E2E_OUT ?? 'target/e2e');
  mkdirSync(out, { recursive: true });
  if (!base) {
    const jar = resolve(process.env.SERVER_JAR ?? '../server/target/group-therapy-fhir-server.jar');
    const port = await freePort();
    base = `http://localhost:${port}`;
    const log = createWriteStream(join(out, 'server.log'));
    server = spawn(
      'java',
      [
        '-Xmx1g',
        '-jar',
        jar,
        `--server.port=${port}`,
        `--app.database.embedded.data-directory=${join(out, `postgres-${Date.now()}`)}`,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    server.stdout?.pipe(log);
    server.stderr?.pipe(log);
    // A 2-core machine under load can take minutes to start the server the first time.
    await ready(base, 15 * 60_000);
  } else {
    await ready(base, 60_000);
  }
  project.provide('baseUrl', base);
  project.provide('outDir', out);
  return async () => {
    if (server && server.exitCode === null) {
      server.kill('SIGTERM');
      await new Promise((r) => server!.once('exit', r));
    }
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    baseUrl: string;
    outDir: string;
  }
}
