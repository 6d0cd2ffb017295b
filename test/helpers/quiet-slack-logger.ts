/** A @slack/web-api logger that says nothing: keeps the client's echo of Slack's warnings out of test output. */
import { LogLevel } from '@slack/bolt';

export const quietSlackLogger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  setLevel() {},
  getLevel: () => LogLevel.ERROR,
  setName() {},
};
