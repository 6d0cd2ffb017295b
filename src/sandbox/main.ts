/**
 * `npm run sandbox`: the whole product offline. Type `/finsync …` (or `home`) and see what Slack would show.
 * `npm run sandbox -- --script FILE` plays a file of such lines and exits non-zero on the first failure.
 */
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline/promises';
import { SandboxSession } from './sandbox-session.ts';

const HELLO = `finsync sandbox: the real app against emulated Slack, Stripe and Plaid (nothing leaves this machine).
Try:  /finsync help   /finsync connect stripe   /finsync sync stripe   /finsync status   home   exit
Buttons: click <label> (click Sync Now). Links: open <url>, open <button label>, or open (the last link).
At a form's question, Enter takes the default shown; typing /finsync … leaves the form unsubmitted.
An alert: /finsync alerts #finance, then revoke stripe (Stripe refuses the key), /finsync sync stripe,
          restore stripe, /finsync sync stripe. What finsync posts in #finance is printed as it arrives.
A payment: /finsync request 1,250.00 EUR Invoice 42, then pay <request id> (or pay last; pay last failed)
          as the customer would on Stripe's page: the reply arrives in the request's thread.
`;

async function main(): Promise<number> {
  const scriptIndex = process.argv.indexOf('--script');
  const session = await SandboxSession.start();
  // A form is printed before its questions, so its explanation is read first.
  const show = (text: string) => console.log(text);
  try {
    if (scriptIndex >= 0) {
      const file = process.argv[scriptIndex + 1];
      if (!file) throw new Error('--script needs a file name');
      const lines = readFileSync(file, 'utf8')
        .split('\n')
        .filter((l) => l.trim() !== '' && !l.trim().startsWith('#'));
      for (const line of lines) {
        console.log(`\n> ${line}`);
        const result = await session.handle(
          line,
          async (label, fallback, secret) => {
            console.log(`  ${label}: ${secret ? '(sandbox credential)' : fallback}`);
            return fallback;
          },
          show,
        );
        console.log(result.output);
        if (!result.ok) {
          console.error(`\nsandbox: "${line}" failed`);
          return 1;
        }
      }
      console.log(`\nsandbox: ${lines.length} commands ran`);
      return 0;
    }
    console.log(HELLO);
    const rl = createInterface({ input: process.stdin, output: process.stdout });
    const ask = async (label: string, fallback: string, secret?: boolean) => {
      const shown = secret ? 'Enter for the sandbox credential' : fallback;
      const answer = await rl.question(`  ${label}${shown ? ` [${shown}]` : ''}: `);
      return answer.trim() === '' ? fallback : answer.trim();
    };
    for (;;) {
      let line: string;
      try {
        line = (await rl.question('finsync> ')).trim();
      } catch {
        break;
      }
      if (line === 'exit' || line === 'quit') break;
      if (line === '') continue;
      const result = await session.handle(line, ask, show);
      console.log(result.output);
    }
    rl.close();
    return 0;
  } finally {
    await session.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`sandbox: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
