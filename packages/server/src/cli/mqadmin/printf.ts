/**
 * The subset of Java's String.format that Apache's mqadmin prints with: %s %d %f with flags
 * `-` (left-justify) and `0` (zero-pad), a width, a precision (%.2f, %9.2f), %n and %%. Output
 * layouts are compared character for character with Apache's, so this follows Java, not C:
 * %s of a boolean is true/false, of undefined/null is "null".
 */
const SPEC = /%(-)?(0)?(\d+)?(?:\.(\d+))?([sdfn%])/g;

export type FormatArg = string | number | boolean | bigint | null | undefined;

export function javaFormat(format: string, ...args: FormatArg[]): string {
  let next = 0;
  return format.replace(SPEC, (_match, left: string | undefined, zero: string | undefined, width: string | undefined, precision: string | undefined, conversion: string) => {
    if (conversion === 'n') return '\n';
    if (conversion === '%') return '%';
    const arg = args[next++];
    let text: string;
    if (conversion === 'd') text = arg === null || arg === undefined ? 'null' : typeof arg === 'bigint' ? arg.toString() : String(Math.trunc(Number(arg)));
    else if (conversion === 'f') text = Number(arg).toFixed(precision === undefined ? 6 : Number(precision));
    else text = arg === null || arg === undefined ? 'null' : String(arg);
    if (conversion === 's' && precision !== undefined) text = text.slice(0, Number(precision));
    const size = width === undefined ? 0 : Number(width);
    if (text.length >= size) return text;
    if (left) return text.padEnd(size);
    if (zero && conversion !== 's') {
      const negative = text.startsWith('-');
      const digits = negative ? text.slice(1) : text;
      return (negative ? '-' : '') + digits.padStart(size - (negative ? 1 : 0), '0');
    }
    return text.padStart(size);
  });
}

/** UtilAll.timeMillisToHumanString2: `yyyy-MM-dd HH:mm:ss,SSS` in local time. */
export function humanTime2(millis: number): string {
  const d = new Date(millis);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())},${String(d.getMilliseconds()).padStart(3, '0')}`;
}

/** UtilAll.timeMillisToHumanString: `yyyyMMddHHmmssSSS` in local time. */
export function humanTime(millis: number): string {
  const d = new Date(millis);
  return `${d.getFullYear()}${pad(d.getMonth() + 1)}${pad(d.getDate())}${pad(d.getHours())}${pad(d.getMinutes())}${pad(d.getSeconds())}${String(d.getMilliseconds()).padStart(3, '0')}`;
}

/** `yyyy-MM-dd HH:mm:ss` in local time (SimpleDateFormat as consumerProgress uses it). */
export function dateTime(millis: number): string {
  return humanTime2(millis).slice(0, 19);
}

/** Java's Date.toString(): `EEE MMM dd HH:mm:ss zzz yyyy`, time zone as an offset name. */
export function javaDate(millis: number): string {
  const d = new Date(millis);
  const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const offset = -d.getTimezoneOffset();
  const zone = offset === 0 ? 'UTC' : `GMT${offset > 0 ? '+' : '-'}${pad(Math.floor(Math.abs(offset) / 60))}:${pad(Math.abs(offset) % 60)}`;
  return `${days[d.getDay()]} ${months[d.getMonth()]} ${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())} ${zone} ${d.getFullYear()}`;
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}
