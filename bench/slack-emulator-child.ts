/**
 * The Slack Web API emulator in its own process (auth.test at start-up, response_url posts after each
 * ack), so its work does not share the event loop of the app under load. Prints `{"url": …}` first, then
 * answers over IPC: `responses` (the response_url posts it received, with arrival times), `publishes` (the
 * Home tabs it was asked to publish), `reset`, `cpu`.
 */
import { startSlackEmulator } from '../src/sandbox/slack-emulator.ts';
import { serveParent } from './children.ts';

const botToken = process.argv[2];
const slack = await startSlackEmulator(botToken ? { botToken } : {});

serveParent({
  responses: () => slack.responses.map((r) => ({ id: r.id, at: r.at, ok: r.ok, error: r.error ?? null })),
  /** Home tabs published: for whom, and when the emulator received the call. */
  publishes: () => slack.callsTo('views.publish').map((c) => ({ user: String(c.args['user_id']), at: c.at })),
  reset: () => {
    slack.reset();
    return true;
  },
  cpu: () => process.cpuUsage(),
});
console.log(JSON.stringify({ url: slack.url, responseBase: slack.responseUrl('X').replace(/X$/, '') }));
