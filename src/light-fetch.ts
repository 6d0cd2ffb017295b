/**
 * The fetch Bolt and its WebClient use for Slack (Web API calls, response_url answers), on node:http(s)
 * with keep-alive agents. Every `/finsync` answer and Home tab publish makes one such call, and undici's
 * WHATWG fetch spent about as much CPU on it as the rest of the request (bench/ack-latency.ts, profiled).
 *
 * Same contract as fetch for what Slack needs: resolves a standard Response for any HTTP status, rejects
 * with a TypeError on a network error or an abort (`signal`), honours `redirect: 'error'` and otherwise
 * returns a redirect as it is (Slack's endpoints do not redirect). Bodies: string, Buffer/Uint8Array or
 * URLSearchParams; any other body (multipart file uploads) or scheme goes to the global fetch.
 */
import http from 'node:http';
import https from 'node:https';

const agents = {
  'http:': new http.Agent({ keepAlive: true, maxSockets: 64 }),
  'https:': new https.Agent({ keepAlive: true, maxSockets: 64 }),
} as const;

const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);

type Input = Parameters<typeof fetch>[0];

/** The body as http.request takes it (a string is encoded once, on the socket); undefined: not ours to send. */
function requestBody(body: unknown): string | Buffer | null | undefined {
  if (body === undefined || body === null) return null;
  if (typeof body === 'string') return body;
  if (body instanceof URLSearchParams) return body.toString();
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  return undefined;
}

/** Plain header objects (what Bolt and the WebClient pass) are copied as they are; others through Headers. */
function requestHeaders(
  headers: NonNullable<Parameters<typeof fetch>[1]>['headers'],
): Record<string, string> {
  const out: Record<string, string> = {};
  if (headers === undefined) return out;
  if (headers instanceof Headers || Array.isArray(headers)) {
    for (const [name, value] of new Headers(headers)) out[name] = value;
    return out;
  }
  for (const [name, value] of Object.entries(headers)) out[name.toLowerCase()] = String(value);
  return out;
}

function requestUrl(input: Input): URL | undefined {
  if (typeof input === 'string') return new URL(input);
  if (input instanceof URL) return input;
  return undefined;
}

export const lightFetch: typeof fetch = (input, init) => {
  const url = requestUrl(input);
  const body = requestBody(init?.body);
  if (!url || body === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    return fetch(input, init);
  }
  const headers = requestHeaders(init?.headers);
  if (body !== null) headers['content-length'] = String(Buffer.byteLength(body));
  if (body !== null && headers['content-type'] === undefined)
    headers['content-type'] = 'text/plain;charset=UTF-8';
  const signal = init?.signal ?? undefined;
  return new Promise<Response>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const request = (url.protocol === 'https:' ? https : http).request(url, {
      method: init?.method ?? 'GET',
      headers,
      agent: agents[url.protocol as 'http:' | 'https:'],
    });
    const onAbort = () =>
      request.destroy(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
    signal?.addEventListener('abort', onAbort, { once: true });
    request.on('error', (error) => {
      signal?.removeEventListener('abort', onAbort);
      reject(signal?.aborted ? signal.reason : new TypeError('fetch failed', { cause: error }));
    });
    request.on('response', (response) => {
      const status = response.statusCode ?? 0;
      if (init?.redirect === 'error' && status >= 300 && status < 400) {
        response.resume();
        signal?.removeEventListener('abort', onAbort);
        return reject(new TypeError(`fetch failed: unexpected redirect (${status})`));
      }
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('error', (error) => reject(new TypeError('fetch failed', { cause: error })));
      response.on('end', () => {
        signal?.removeEventListener('abort', onAbort);
        const answerHeaders = new Headers();
        for (const [name, value] of Object.entries(response.headers)) {
          if (Array.isArray(value)) for (const v of value) answerHeaders.append(name, v);
          else if (value !== undefined) answerHeaders.set(name, value);
        }
        resolve(
          new Response(NULL_BODY_STATUSES.has(status) ? null : Buffer.concat(chunks), {
            status,
            statusText: response.statusMessage ?? '',
            headers: answerHeaders,
          }),
        );
      });
    });
    request.end(body ?? undefined);
  });
};
