/**
 * Reads a view's private_metadata. Slack echoes back what we wrote, but a crafted submission can carry
 * anything: whatever is not a JSON object becomes {}, and only string fields are kept.
 */
export function readMetadata(raw: string | undefined): Readonly<Record<string, string>> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw || '{}');
  } catch {
    return {};
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return {};
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(parsed)) if (typeof value === 'string') out[key] = value;
  return out;
}
