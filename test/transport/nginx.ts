/**
 * nginx (Debian's package) as a gRPC reverse proxy for tests: a child process with its own
 * config, pid, logs and temp paths in a fresh directory, listening HTTP/2 on a Unix socket and
 * passing every call to a backend Unix socket. When the test runs as root, nginx runs as
 * `nobody` (an unprivileged process, as users deploy it).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { within } from '../support/checks.js';

const NGINX_CANDIDATES = ['/usr/sbin/nginx', '/usr/local/sbin/nginx', '/usr/local/nginx/sbin/nginx'];

/** The nginx binary, or undefined when it is not installed. */
export function findNginx(): string | undefined {
  for (const candidate of NGINX_CANDIDATES) if (fs.existsSync(candidate)) return candidate;
  const which = spawnSync('sh', ['-c', 'command -v nginx'], { encoding: 'utf8' });
  const found = which.stdout.trim();
  return which.status === 0 && found.length > 0 ? found : undefined;
}

export interface NginxOptions {
  /** The backend's Unix socket path (grpc_pass unix:PATH). */
  backend: string;
  /**
   * Requests per client connection before nginx sends GOAWAY: `keepalive_requests`, which
   * nginx 1.19.7+ applies to HTTP/2 too (`http2_max_requests` is obsolete there).
   */
  keepaliveRequests?: number;
  /** SETTINGS_MAX_CONCURRENT_STREAMS nginx advertises (http2_max_concurrent_streams). */
  maxConcurrentStreams?: number;
}

export interface AccessLogLine {
  /** nginx's connection serial number: lines with the same one came on one client connection. */
  connection: number;
  /** The request's number on that connection. */
  request: number;
  status: number;
}

export interface RunningNginx {
  /** The `unix:` target of nginx's HTTP/2 listener. */
  target: string;
  /** What nginx has written to stderr (its error log) so far. */
  errors(): string;
  /** The access log lines so far (one per request). */
  accessLog(): AccessLogLine[];
  /**
   * The access log once it has `count` lines: nginx logs a request after its last frame went
   * out, so a client can hold the response before the line is written.
   */
  accessLogOf(count: number): Promise<AccessLogLine[]>;
  /**
   * Stops nginx (SIGTERM: the master ends its worker, then exits) and removes its directory;
   * resolves once the master exited, and rejects if a worker it had outlives it.
   */
  stop(): Promise<void>;
}

/** The user nginx runs as when this process is root: nobody, as Debian's nginx workers do. */
function unprivileged(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const uid = spawnSync('id', ['-u', 'nobody'], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', 'nobody'], { encoding: 'utf8' });
  if (uid.status !== 0 || gid.status !== 0) throw new Error('running as root, but there is no user nobody to run nginx as');
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

function config(dir: string, listen: string, options: NginxOptions): string {
  return `worker_processes 1;
pid ${dir}/nginx.pid;
error_log stderr notice;
events { worker_connections 1024; }
http {
  log_format proxied '$connection $connection_requests $status';
  access_log ${dir}/access.log proxied;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  keepalive_requests ${options.keepaliveRequests ?? 1000};
  http2_max_concurrent_streams ${options.maxConcurrentStreams ?? 128};
  client_max_body_size 0;
  upstream backend {
    server unix:${options.backend};
    keepalive 16;
  }
  server {
    listen unix:${listen} http2;
    location / {
      grpc_pass grpc://backend;
    }
  }
}
`;
}

/** The child processes of `pid` (Linux /proc). */
function childPids(pid: number): number[] {
  const file = `/proc/${pid}/task/${pid}/children`;
  if (!fs.existsSync(file)) return [];
  return fs.readFileSync(file, 'utf8').split(' ').filter((part) => part.trim().length > 0).map(Number);
}

/** Starts nginx and resolves once it listens and will handle a signal to stop. */
export async function startNginx(binary: string, options: NginxOptions): Promise<RunningNginx> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vmrpc-nginx-'));
  const listen = path.join(dir, 'grpc.sock');
  fs.writeFileSync(path.join(dir, 'nginx.conf'), config(dir, listen, options));
  const user = unprivileged();
  if (user !== undefined) {
    fs.chownSync(dir, user.uid, user.gid);
    // nobody must be able to connect to the backend's socket.
    fs.chmodSync(options.backend, 0o777);
  }
  const child: ChildProcess = spawn(binary, ['-p', dir, '-c', 'nginx.conf', '-g', 'daemon off;'], {
    stdio: ['ignore', 'ignore', 'pipe'],
    ...(user ?? {}),
  });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    await within(10_000, 'nginx start', new Promise<void>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`nginx exited with ${code} before listening: ${stderr}`)));
      child.once('error', reject);
      // The master logs "start worker processes" once its sockets listen and it has blocked the
      // signals it waits for: a SIGTERM before that point can be lost (nginx then hangs in
      // sigsuspend), one after it is handled. So that line, not the pid file, means started.
      const started = (): void => {
        if (!stderr.includes('start worker processes')) return;
        child.stderr!.off('data', started);
        resolve();
      };
      child.stderr!.on('data', started);
    }));
  } catch (error) {
    child.kill('SIGKILL');
    await exited;
    fs.rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const accessLog = (): AccessLogLine[] => {
    const file = path.join(dir, 'access.log');
    if (!fs.existsSync(file)) return [];
    return fs.readFileSync(file, 'utf8').split('\n').filter((line) => line.length > 0).map((line) => {
      const [connection, request, status] = line.split(' ').map(Number);
      return { connection: connection!, request: request!, status: status! };
    });
  };
  return {
    target: `unix:${listen}`,
    errors: () => stderr,
    accessLog,
    accessLogOf: async (count) => {
      let watcher: fs.FSWatcher | undefined;
      try {
        await within(5000, `${count} lines in nginx's access log`, new Promise<void>((resolve) => {
          const check = (): void => {
            if (accessLog().length >= count) resolve();
          };
          watcher = fs.watch(dir, check);
          check();
        }));
      } finally {
        watcher?.close();
      }
      return accessLog();
    },
    stop: async () => {
      const workers = childPids(child.pid!);
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        try {
          await within(5000, 'nginx exit on SIGTERM', exited);
        } catch (error) {
          child.kill('SIGKILL');
          for (const pid of workers) process.kill(pid, 'SIGKILL');
          await within(5000, 'nginx exit after SIGKILL', exited);
          throw error;
        }
      }
      fs.rmSync(dir, { recursive: true, force: true });
      const left = workers.filter((pid) => fs.existsSync(`/proc/${pid}`));
      if (left.length > 0) throw new Error(`nginx worker processes outlived the master: ${left.join(', ')}`);
    },
  };
}
