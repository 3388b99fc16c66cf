// A fault-injecting HTTP proxy in front of radosgw, on loopback: forwards every request unchanged
// (SigV4 signs the Host header, which is passed through as sent, so signatures still verify) and
// applies the first matching rule: answer 500/503 with an S3 error body, reset the connection
// after part of the request body, or slow the body down. It also records every request, so tests
// can count what the client sent (one ListObjectsV2, no LIST while idle, single DeleteObject).
import { createServer, IncomingMessage, request as httpRequest, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';

export interface SeenRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  /** ListObjectsV2, UploadPart, PutObject, GetObject, HeadObject, CreateMultipartUpload, … (a best guess from method and query) */
  op: string;
  headers: IncomingMessage['headers'];
  /** the status answered (by radosgw or by a rule); undefined while in flight or when reset */
  status?: number;
}

export type FaultAction =
  | { kind: 'status'; status: 500 | 503 | 507; code?: string }
  | { kind: 'reset'; afterBytes: number }
  | { kind: 'throttle'; bytesPerSecond: number }
  | { kind: 'stall' }
  /** forward, but answer with this ETag header (what a server that stored other bytes would say) */
  | { kind: 'etag'; etag: string };

export interface FaultRule {
  match: (r: SeenRequest) => boolean;
  action: FaultAction;
  /** how many requests it applies to (default: every one) */
  times?: number;
  hits?: number;
}

function opOf(method: string, q: URLSearchParams, path: string): string {
  const parts = path.split('/').filter(Boolean);
  if (method === 'GET' && q.get('list-type') === '2') return 'ListObjectsV2';
  if (method === 'GET' && q.has('uploads')) return 'ListMultipartUploads';
  if (method === 'POST' && q.has('uploads')) return 'CreateMultipartUpload';
  if (method === 'POST' && q.has('uploadId')) return 'CompleteMultipartUpload';
  if (method === 'POST' && q.has('delete')) return 'DeleteObjects';
  if (method === 'PUT' && q.has('partNumber')) return 'UploadPart';
  if (method === 'DELETE' && q.has('uploadId')) return 'AbortMultipartUpload';
  if (parts.length <= 1) return { HEAD: 'HeadBucket', PUT: 'CreateBucket', GET: 'ListObjects', DELETE: 'DeleteBucket' }[method] ?? method;
  return { HEAD: 'HeadObject', PUT: 'PutObject', GET: 'GetObject', DELETE: 'DeleteObject' }[method] ?? method;
}

export class FaultProxy {
  readonly seen: SeenRequest[] = [];
  rules: FaultRule[] = [];
  private server: Server | null = null;
  private readonly sockets = new Set<import('node:net').Socket>();

  constructor(private readonly upstreamPort: number) {}

  get endpoint(): string {
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => this.handle(req, res));
    this.server.on('connection', (s) => { this.sockets.add(s); s.on('close', () => this.sockets.delete(s)); });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    return this;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => this.server?.close(() => r()) ?? r());
  }

  /** Adds a rule; returns it, so a test can read `hits`. */
  add(rule: FaultRule): FaultRule {
    rule.hits = 0;
    this.rules.push(rule);
    return rule;
  }

  clear(): void {
    this.rules = [];
    this.seen.length = 0;
  }

  count(op: string): number {
    return this.seen.filter((r) => r.op === op).length;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://x');
    const seen: SeenRequest = { method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, op: opOf(req.method ?? 'GET', url.searchParams, url.pathname), headers: req.headers };
    this.seen.push(seen);
    const rule = this.rules.find((r) => (r.times === undefined || r.hits! < r.times) && r.match(seen));
    if (rule) rule.hits! += 1;
    const a = rule?.action;
    if (a?.kind === 'status') {
      req.resume();
      req.on('end', () => {
        const code = a.code ?? (a.status === 503 ? 'ServiceUnavailable' : a.status === 507 ? 'InsufficientStorage' : 'InternalError');
        seen.status = a.status;
        res.writeHead(a.status, { 'content-type': 'application/xml' });
        res.end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>injected by the test proxy</Message></Error>`);
      });
      return;
    }
    if (a?.kind === 'stall') {
      req.resume();
      return; // never answers: the client's timeout or a SIGKILL ends it
    }
    const up = httpRequest({ host: '127.0.0.1', port: this.upstreamPort, method: req.method, path: req.url, headers: req.headers }, (ur) => {
      seen.status = ur.statusCode;
      const headers = a?.kind === 'etag' ? { ...ur.headers, etag: a.etag } : ur.headers;
      res.writeHead(ur.statusCode ?? 502, headers);
      ur.pipe(res);
    });
    up.on('error', () => res.destroy());
    let sent = 0;
    if (a?.kind === 'reset') {
      req.on('data', (c: Buffer) => {
        sent += c.length;
        if (sent >= a.afterBytes) { up.destroy(); req.socket.destroy(); } else up.write(c);
      });
      req.on('end', () => up.end());
      return;
    }
    if (a?.kind === 'throttle') {
      req.on('data', (c: Buffer) => {
        up.write(c);
        req.pause();
        setTimeout(() => req.resume(), Math.ceil((c.length / a.bytesPerSecond) * 1000));
      });
      req.on('end', () => up.end());
      return;
    }
    req.pipe(up);
  }
}
