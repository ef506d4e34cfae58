/**
 * The `key=value` text GET_BROKER_CONFIG / GET_NAMESRV_CONFIG answer and UPDATE_*_CONFIG take
 * (Java Properties as MixAll.properties2String writes it: one pair a line, no continuations).
 */
export function parseProperties(text: string): Record<string, string> {
  const properties: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trimStart();
    if (line === '' || line.startsWith('#') || line.startsWith('!')) continue;
    const at = line.search(/[=:]/);
    const key = (at < 0 ? line : line.slice(0, at)).trim();
    const value = at < 0 ? '' : line.slice(at + 1).trim();
    properties[unescape(key)] = unescape(value);
  }
  return properties;
}

export function propertiesText(properties: Readonly<Record<string, string>>): string {
  return Object.entries(properties)
    .map(([key, value]) => `${escape(key)}=${escape(value)}\n`)
    .join('');
}

function unescape(text: string): string {
  return text.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c === 't' ? '\t' : c === 'r' ? '\r' : c));
}

function escape(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}
