/**
 * Webhook deliveries the way PayPal sends them (headers PAYPAL-TRANSMISSION-ID, -TIME, -SIG, PAYPAL-CERT-URL,
 * PAYPAL-AUTH-ALGO) and `POST /v1/notifications/verify-webhook-signature`, which answers `SUCCESS` only for a
 * delivery this emulator signed for that webhook id. PayPal signs `transmission_id|transmission_time|
 * webhook_id|crc32(body)` with its private key (SHA256withRSA); the emulator keeps the same input but signs it
 * with an HMAC key of its own: only it ever checks the signature, exactly as finsync asks PayPal to.
 */
import { createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { type Reply, restError } from './emulator-wire.ts';

export interface SignedDelivery {
  readonly body: string;
  readonly headers: Readonly<Record<string, string>>;
}

export class WebhookSigner {
  private readonly key = randomBytes(32);
  verifications = 0;

  constructor(private readonly certBase: string) {}

  private signature(transmissionId: string, time: string, webhookId: string, body: string): string {
    const input = `${transmissionId}|${time}|${webhookId}|${crc32(Buffer.from(body, 'utf8'))}`;
    return createHmac('sha256', this.key).update(input).digest('base64');
  }

  /** A delivery of `event` for `webhookId`: the JSON body and PayPal's headers. */
  sign(event: Record<string, unknown>, webhookId: string, now: number): SignedDelivery {
    const body = JSON.stringify(event);
    const transmissionId = randomUUID();
    const time = new Date(now).toISOString();
    return {
      body,
      headers: {
        'content-type': 'application/json',
        'paypal-transmission-id': transmissionId,
        'paypal-transmission-time': time,
        'paypal-transmission-sig': this.signature(transmissionId, time, webhookId, body),
        'paypal-cert-url': `${this.certBase}/v1/notifications/certs/CERT-360caa42-fca2a594-emulator`,
        'paypal-auth-algo': 'SHA256withRSA',
      },
    };
  }

  /** The verify endpoint; `webhook_event` is the delivery's body as JSON, re-serialized compactly. */
  verify(body: string): Reply {
    let request: Record<string, unknown>;
    try {
      request = JSON.parse(body) as Record<string, unknown>;
    } catch {
      return restError(400, 'INVALID_REQUEST', [{ issue: 'MALFORMED_REQUEST_JSON' }]);
    }
    const required = [
      'auth_algo',
      'cert_url',
      'transmission_id',
      'transmission_sig',
      'transmission_time',
      'webhook_id',
      'webhook_event',
    ];
    const missing = required.find((field) => request[field] === undefined || request[field] === '');
    if (missing)
      return restError(400, 'INVALID_REQUEST', [
        { field: `/${missing}`, issue: 'MISSING_REQUIRED_PARAMETER' },
      ]);
    this.verifications += 1;
    const expected = this.signature(
      String(request.transmission_id),
      String(request.transmission_time),
      String(request.webhook_id),
      JSON.stringify(request.webhook_event),
    );
    const given = Buffer.from(String(request.transmission_sig));
    const want = Buffer.from(expected);
    const ok = given.length === want.length && timingSafeEqual(given, want);
    return { status: 200, body: { verification_status: ok ? 'SUCCESS' : 'FAILURE' } };
  }
}
