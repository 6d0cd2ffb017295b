/**
 * The emulator's answers in PayPal's documented shapes: REST errors `{ name, message, debug_id, details,
 * links }` (error_400…error_503 of the spec), OAuth errors `{ error, error_description }`, JSON bodies.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface Reply {
  readonly status: number;
  readonly body: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

export function debugId(): string {
  return randomBytes(7).toString('hex').slice(0, 13);
}

/** The spec's messages for each error name (error_400, error_401, error_403, …). */
const MESSAGES: Readonly<Record<string, string>> = {
  INVALID_REQUEST: 'Request is not well-formed, syntactically incorrect, or violates schema.',
  AUTHENTICATION_FAILURE:
    'Authentication failed due to missing authorization header, or invalid authentication credentials.',
  NOT_AUTHORIZED: 'Authorization failed due to insufficient permissions.',
  RESULTSET_TOO_LARGE:
    'Result set size is greater than the maximum limit. Change the filter criteria and try again.',
  RATE_LIMIT_REACHED: 'Too many requests. Blocked due to rate limiting.',
  INTERNAL_SERVER_ERROR: 'An internal server error occurred.',
  SERVICE_UNAVAILABLE: 'Service Unavailable.',
};

export function restError(
  status: number,
  name: string,
  details: readonly {
    field?: string;
    value?: string;
    location?: string;
    issue: string;
    description?: string;
  }[] = [],
  headers: Readonly<Record<string, string>> = {},
): Reply {
  return {
    status,
    headers,
    body: {
      name,
      message: MESSAGES[name] ?? name,
      debug_id: debugId(),
      ...(details.length > 0 ? { details } : {}),
      links: [
        {
          href: `https://developer.paypal.com/docs/api/reporting/v1/#error-${name}`,
          rel: 'information_link',
          method: 'GET',
        },
      ],
    },
  };
}

export function oauthError(status: number, error: string, description: string): Reply {
  return { status, body: { error, error_description: description } };
}

export function sendReply(res: ServerResponse, reply: Reply): void {
  const text = JSON.stringify(reply.body);
  res.writeHead(reply.status, {
    'content-type': 'application/json',
    'paypal-debug-id': debugId(),
    ...reply.headers,
  });
  res.end(text);
}

export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
