/**
 * The Slack Web API emulator in its own process (auth.test at start-up, response_url posts after each
 * ack), so its work does not share the event loop of the app under load. Prints `{"url": …}` first, then
 * answers over IPC: `responses` (the response_url posts it received, with arrival times), `reset`, `cpu`.
 */
import { startSlackEmulator } from '../src/sandbox/slack-emulator.ts';
import { serveParent } from './children.ts';

const botToken = process.argv[2];
const slack = await startSlackEmulator(botToken ? { botToken } : {});

serveParent({
  responses: () => slack.responses.map((r) => ({ id: r.id, at: r.at, ok: r.ok, error: r.error ?? null })),
  reset: () => {
    slack.reset();
    return true;
  },
  cpu: () => process.cpuUsage(),
});
console.log(JSON.stringify({ url: slack.url, responseBase: slack.responseUrl('X').replace(/X$/, '') }));
