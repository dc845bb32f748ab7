/**
 * The HTTP listener of admin.listeners: /metrics (Prometheus text format), /health and /ready
 * (Kubernetes-style liveness and readiness), the console's JSON API under /api/, and the web
 * console itself, whose files were built at install (dist/src/console/static/). Every other path
 * answers the console's page, so deep links (/topics/NAME/messages, /groups/NAME) work.
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Registry } from 'prom-client';
import type { Logger } from '../util/log.js';
import { ApiError, type ConsoleApi } from './api.js';

export interface AdminServerOptions {
  host: string;
  port: number;
  registry: Registry;
  api: ConsoleApi;
  /** Liveness: false once the broker stopped. */
  live: () => boolean;
  /** Readiness: what keeps the broker from serving, empty when ready. */
  notReady: () => string[];
  log: Logger;
}

/** Both the modules (dist/src/console/) and the start bundle (dist/src/cli/) sit one level below dist/src. */
export const STATIC_DIR = fileURLToPath(new URL('../console/static/', import.meta.url));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};
const MAX_BODY_BYTES = 1024 * 1024;

export class AdminServer {
  private readonly server: Server;
  private readonly files = new Map<string, Buffer | null>();

  constructor(private readonly opts: AdminServerOptions) {
    this.server = createServer((req, res) => {
      this.route(req, res).catch((err: unknown) => {
        opts.log.warn({ err, url: req.url }, 'admin request failed');
        if (!res.headersSent) send(res, 500, 'application/json', JSON.stringify({ error: 'internal error' }));
        else res.destroy();
      });
    });
    this.server.keepAliveTimeout = 5000;
  }

  /** Resolves with the bound port (port 0 picks one). */
  listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.opts.port, this.opts.host, () => {
        this.server.off('error', reject);
        const a = this.server.address();
        resolve(typeof a === 'object' && a ? a.port : this.opts.port);
      });
    });
  }

  async close(): Promise<void> {
    await new Promise<void>((r) => {
      this.server.close(() => r());
      this.server.closeAllConnections();
    });
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://admin');
    const path = url.pathname;
    const method = req.method ?? 'GET';
    if (path === '/metrics' && method === 'GET') {
      const text = await this.opts.registry.metrics();
      send(res, 200, this.opts.registry.contentType, text);
      return;
    }
    if (path === '/health' || path === '/healthz' || path === '/livez') {
      const live = this.opts.live();
      send(res, live ? 200 : 503, 'application/json', JSON.stringify({ status: live ? 'ok' : 'stopped' }));
      return;
    }
    if (path === '/ready' || path === '/readyz') {
      const why = this.opts.notReady();
      send(res, why.length === 0 ? 200 : 503, 'application/json', JSON.stringify(why.length === 0 ? { status: 'ready' } : { status: 'not ready', reasons: why }));
      return;
    }
    if (path === '/api' || path.startsWith('/api/')) {
      await this.api(req, res, method, path, url.searchParams);
      return;
    }
    if (method !== 'GET' && method !== 'HEAD') {
      send(res, 405, 'text/plain', 'method not allowed');
      return;
    }
    if (path.startsWith('/assets/')) {
      const name = path.slice('/assets/'.length);
      const body = /^[A-Za-z0-9._-]+$/.test(name) ? this.file(name) : null;
      if (body === null) send(res, 404, 'text/plain', 'not found');
      else send(res, 200, TYPES[extname(name)] ?? 'application/octet-stream', body, 'public, max-age=300');
      return;
    }
    const page = this.file('index.html');
    if (page === null) {
      send(res, 503, 'text/plain', 'the console was not built (run npm run build)');
      return;
    }
    send(res, 200, TYPES['.html']!, page, 'no-cache');
  }

  private async api(req: IncomingMessage, res: ServerResponse, method: string, path: string, query: URLSearchParams): Promise<void> {
    let body: unknown;
    if (method !== 'GET') {
      // A request from another site's page cannot set a JSON content type without a CORS
      // preflight, which is never answered: this is the console's guard against cross-site writes.
      const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim();
      if (type !== 'application/json') {
        send(res, 415, 'application/json', JSON.stringify({ error: 'expected Content-Type: application/json' }));
        return;
      }
      const origin = req.headers.origin;
      if (origin !== undefined && origin !== `http://${req.headers.host}`) {
        send(res, 403, 'application/json', JSON.stringify({ error: 'cross-origin request refused' }));
        return;
      }
      try {
        body = await readJson(req);
      } catch (err) {
        send(res, 400, 'application/json', JSON.stringify({ error: (err as Error).message }));
        return;
      }
    }
    try {
      const out = await this.opts.api.handle(method, path, query, body);
      send(res, 200, 'application/json', JSON.stringify(out));
    } catch (err) {
      if (err instanceof ApiError) {
        send(res, err.status, 'application/json', JSON.stringify({ error: err.message }));
        return;
      }
      throw err;
    }
  }

  /** A file of the built console, read once. */
  private file(name: string): Buffer | null {
    if (!this.files.has(name)) {
      let body: Buffer | null = null;
      try {
        body = readFileSync(join(STATIC_DIR, name));
      } catch {
        body = null;
      }
      this.files.set(name, body);
    }
    return this.files.get(name)!;
  }
}

function send(res: ServerResponse, status: number, type: string, body: string | Buffer, cache = 'no-store'): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': cache, 'x-content-type-options': 'nosniff' });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

function readJson(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        reject(new Error('request body too large'));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      try {
        resolve(text === '' ? {} : JSON.parse(text));
      } catch {
        reject(new Error('request body is not JSON'));
      }
    });
    req.on('error', reject);
  });
}
