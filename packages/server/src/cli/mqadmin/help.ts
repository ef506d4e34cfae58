/**
 * Usage text laid out as Apache's mqadmin prints it (commons-cli HelpFormatter, width 110, as
 * ServerUtil.printCommandLineHelp): a wrapped usage line with the options sorted by short name,
 * required ones bare and the rest in brackets, then one line per option.
 */
import type { CommandSpec, OptionSpec } from './command.ts';

const WIDTH = 110;

/** -h and -n, which ServerUtil adds to every command, and our --json. */
export const COMMON_OPTIONS: OptionSpec[] = [
  { short: 'h', long: 'help', arg: false, description: 'Print help' },
  { short: 'n', long: 'namesrvAddr', arg: true, description: 'Name server address list, eg: 192.168.0.1:9876;192.168.0.2:9876' },
];

export const JSON_OPTION = { long: 'json', description: 'print the result as JSON (rocketmq-ts)' };

function byShortName(a: OptionSpec, b: OptionSpec): number {
  return a.short.toLowerCase().localeCompare(b.short.toLowerCase());
}

export function allOptions(spec: CommandSpec): OptionSpec[] {
  return [...COMMON_OPTIONS, ...spec.options].sort(byShortName);
}

function usageOf(option: OptionSpec): string {
  return `-${option.short}${option.arg ? ' <arg>' : ''}`;
}

/** HelpFormatter.findWrapPos. */
function findWrapPos(text: string, width: number): number {
  const newline = text.indexOf('\n');
  if (newline !== -1 && newline <= width) return newline + 1;
  if (width >= text.length) return -1;
  let pos = width;
  while (pos >= 0 && text[pos] !== ' ' && text[pos] !== '\n' && text[pos] !== '\r') pos--;
  if (pos > 0) return pos;
  pos = width;
  while (pos < text.length && text[pos] !== ' ' && text[pos] !== '\n' && text[pos] !== '\r') pos++;
  return pos === text.length ? -1 : pos;
}

/** HelpFormatter.renderWrappedText. */
function wrap(text: string, nextLineTabStop: number): string {
  const lines: string[] = [];
  let pos = findWrapPos(text, WIDTH);
  if (pos === -1) return text.trimEnd();
  lines.push(text.slice(0, pos).trimEnd());
  const tab = nextLineTabStop >= WIDTH ? 1 : nextLineTabStop;
  const padding = ' '.repeat(tab);
  for (;;) {
    text = padding + text.slice(pos).trim();
    pos = findWrapPos(text, WIDTH);
    if (pos === -1) {
      lines.push(text);
      return lines.join('\n');
    }
    if (text.length > WIDTH && pos === tab - 1) pos = WIDTH;
    lines.push(text.slice(0, pos).trimEnd());
  }
}

export function usageText(spec: CommandSpec): string {
  const options = allOptions(spec);
  const group = new Set(spec.oneOf ?? []);
  const items: string[] = [];
  let groupDone = false;
  for (const option of options) {
    if (group.has(option.short)) {
      if (!groupDone) {
        groupDone = true;
        items.push(options.filter((o) => group.has(o.short)).map(usageOf).join(' | '));
      } else {
        items.push('');
      }
    } else {
      items.push(option.required ? usageOf(option) : `[${usageOf(option)}]`);
    }
  }
  const line = `usage: mqadmin ${spec.name} ${items.join(' ')}`;
  const usage = wrap(line, line.indexOf(' ') + 1);

  const left = options.map((o) => ` -${o.short},--${o.long}${o.arg ? ' <arg>' : ''}`);
  const jsonLeft = `    --${JSON_OPTION.long}`;
  const max = Math.max(...left.map((l) => l.length), jsonLeft.length);
  const rows = options.map((o, i) => wrap(`${left[i]!.padEnd(max)}   ${o.description}`, max + 3));
  rows.push(wrap(`${jsonLeft.padEnd(max)}   ${JSON_OPTION.description}`, max + 3));
  return `${usage}\n${rows.join('\n')}\n`;
}

/** `mqadmin` with no command: the command list, as MQAdminStartup.printHelp. */
export function commandListText(specs: readonly CommandSpec[]): string {
  const lines = ['The most commonly used mqadmin commands are:'];
  for (const spec of specs) lines.push(`   ${spec.name.padEnd(20)} ${spec.description}`);
  return `${lines.join('\n')}\n\nSee 'mqadmin help <command>' for more information on a specific command.\n`;
}
