/**
 * The emoji finsync's messages use, as the characters Slack shows for their shortcodes (the sandbox's
 * renderer prints these; an unknown shortcode stays as typed, as Slack leaves text it cannot match).
 */
const EMOJI: Readonly<Record<string, string>> = {
  white_check_mark: '✅',
  warning: '⚠️',
  no_entry: '⛔',
  no_entry_sign: '🚫',
  arrows_counterclockwise: '🔄',
  hourglass: '⌛',
  hourglass_flowing_sand: '⏳',
  x: '❌',
  lock: '🔒',
  red_circle: '🔴',
  large_green_circle: '🟢',
  large_yellow_circle: '🟡',
  white_circle: '⚪',
  newspaper: '📰',
  information_source: 'ℹ️',
  bell: '🔔',
  no_bell: '🔕',
  mag: '🔍',
  heavy_minus_sign: '➖',
  zzz: '💤',
  rotating_light: '🚨',
  link: '🔗',
  clipboard: '📋',
  checkered_flag: '🏁',
  calendar: '📅',
  alarm_clock: '⏰',
  moneybag: '💰',
  bank: '🏦',
  chart_with_upwards_trend: '📈',
  construction: '🚧',
  gear: '⚙️',
  tada: '🎉',
};

export function emojiFor(shortcode: string): string | undefined {
  return Object.hasOwn(EMOJI, shortcode) ? EMOJI[shortcode] : undefined;
}
