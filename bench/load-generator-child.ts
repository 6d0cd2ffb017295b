/**
 * The open-loop load generator in its own process (the cross-check of ack-latency.ts): the app under
 * test then has its event loop to itself, as it would with Slack on the other end of the network.
 */
import { serveParent } from './children.ts';
import { driveOpenLoop, type LoadSpec } from './open-loop.ts';

serveParent({
  drive: (request) => driveOpenLoop(request.spec as LoadSpec),
});
console.log(JSON.stringify({ ready: true }));
