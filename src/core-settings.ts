/**
 * The settings of finsync itself (each provider declares its own in its descriptor). Names are a contract
 * (CONVENTIONS.md); a test checks each against README's settings table and .env.example.
 */
import type { SettingDeclaration } from '../connectors/provider.ts';

export const CORE_SETTINGS: readonly SettingDeclaration[] = [
  { name: 'SLACK_BOT_TOKEN', meaning: 'the Slack bot token (xoxb-…)', secret: true },
  { name: 'SLACK_SIGNING_SECRET', meaning: 'the Slack signing secret', secret: true },
  { name: 'SLACK_API_URL', meaning: 'Slack Web API base URL', default: 'https://slack.com/api/' },
  { name: 'PORT', meaning: 'HTTP port', default: '3000' },
  { name: 'FINSYNC_DATA_DIR', meaning: 'embedded store folder', default: './data' },
  { name: 'MONGODB_URI', meaning: 'use MongoDB for the store and jobs', secret: true },
  { name: 'FINSYNC_ENCRYPTION_KEY', meaning: '32 bytes, base64, for credentials at rest', secret: true },
  { name: 'FINSYNC_ENCRYPTION_KEY_NEW', meaning: 'key rotation: the new key', secret: true },
  { name: 'FINSYNC_ENCRYPTION_KEY_PREVIOUS', meaning: 'key rotation: the previous key', secret: true },
  { name: 'FINSYNC_ADMINS', meaning: 'Slack user IDs (comma-separated) who may change things' },
  { name: 'FINSYNC_ADMIN_GROUP', meaning: 'a Slack user group whose members may change things' },
  { name: 'FINSYNC_MONEY_VIEWERS_GROUP', meaning: 'a Slack user group who, besides admins, may see money' },
  { name: 'FINSYNC_TIMEZONE', meaning: 'team timezone (IANA)', default: 'UTC' },
  { name: 'FINSYNC_ALERT_CHANNEL', meaning: 'default alert channel ID' },
  { name: 'FINSYNC_DIGEST_CHANNEL', meaning: 'default digest channel ID' },
  { name: 'FINSYNC_DIGEST_TIME', meaning: 'digest time (HH:MM)', default: '08:00' },
  { name: 'FINSYNC_ALERT_AFTER_FAILURES', meaning: 'transient failed runs before an alert', default: '2' },
  {
    name: 'FINSYNC_ESCALATE_AFTER_FAILURES',
    meaning: 'failed runs before the owner is mentioned',
    default: '5',
  },
  // Its default, http://localhost:$PORT, depends on PORT: computed in config.ts.
  { name: 'FINSYNC_PUBLIC_URL', meaning: 'where browsers and providers reach the app' },
  {
    name: 'FINSYNC_PAYMENT_REQUESTERS',
    meaning: 'who may request payments from Slack: admins or everyone',
    default: 'admins',
  },
  {
    name: 'FINSYNC_PAYMENT_APPROVAL_ABOVE',
    meaning: 'per-currency amounts above which a payment request needs a second admin (USD:5000,EUR:5000)',
  },
  { name: 'LOG_LEVEL', meaning: 'winston level', default: 'info' },
];
