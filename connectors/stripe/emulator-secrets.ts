/**
 * The endpoint secret of the Stripe emulator's webhook deliveries: what the sandbox and the tests enter as a
 * connection's `webhook_secret`. Its own module so the provider descriptor can name it without loading the
 * emulator (which the app itself never loads).
 */
export const EMULATOR_WEBHOOK_SECRET = 'whsec_FinsyncEmulatorWebhookSecret0000';
