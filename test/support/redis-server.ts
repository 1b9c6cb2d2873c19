/**
 * A real Redis for the tests of several instances: Debian's `redis-server`, started on a free loopback
 * port with nothing saved to disk, and killed at the end. Where it is not installed the tests that need
 * it are skipped with a message saying so — except on CI (`CI` set), where its absence fails them:
 * .ci/run installs it.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import net from 'node:net';
import { afterAll } from 'vitest';

export const REDIS_SERVER = 'redis-server';

/** Whether redis-server can be run here; on CI it must. */
export function redisAvailable(): boolean {
  const found = spawnSync(REDIS_SERVER, ['--version'], { stdio: 'ignore' }).status === 0;
  if (!found && process.env['CI']) {
    throw new Error(`${REDIS_SERVER} is not installed, and CI must run the Redis tests: see .ci/run`);
  }
  if (!found) {
    process.stderr.write(
      `SKIPPED: the tests of several instances on Redis need ${REDIS_SERVER} (apt-get install -y redis-server)\n`,
    );
  }
  return found;
}

export interface RedisServer {
  url: string;
  port: number;
  /** SIGKILL: Redis gone at once, as in a crash. */
  kill(): Promise<void>;
}

const started: ChildProcess[] = [];
afterAll(() => {
  for (const child of started)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

/** A port nothing listens on now: bound by the system, then let go. */
async function freePort(): Promise<number> {
  const server = net.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
}

export async function startRedis(): Promise<RedisServer> {
  const port = await freePort();
  const child = spawn(
    REDIS_SERVER,
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--protected-mode',
      'no',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  started.push(child);
  let output = '';
  const exit = once(child, 'exit');
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`redis-server not ready in 10 s:\n${output}`)), 10_000);
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
      if (/Ready to accept connections/.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    });
    void exit.then(() => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited:\n${output}`));
    });
  });
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    kill: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGKILL');
      await exit;
    },
  };
}
