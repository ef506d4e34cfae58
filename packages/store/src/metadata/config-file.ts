/**
 * Crash-safe config files (MixAll.string2File / ConfigManager.load, storage-format.md §8).
 *
 *   <file>       current version
 *   <file>.bak   previous version (the fallback)
 *   <file>.tmp   the version being written
 *
 * Write: `<file>.tmp` + fsync → copy `<file>` to `<file>.bak` → rename tmp over `<file>` →
 * fsync the directory. The rename is atomic, so a crash at any point leaves either the old
 * or the new `<file>` whole (Java deletes `<file>` before the rename, leaving a moment with
 * only `.bak`; the reader below covers that too).
 * Load: `<file>`; if it is missing, empty or does not parse, `<file>.bak`.
 */
import { copyFile, mkdir, open, readFile, rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import { type Logger, silentLogger } from '@rocketmq-ts/protocol';
import { ConfigFileCorruptError } from './errors.ts';

export async function writeConfigFile(path: string, text: string): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true });
  const tmp = `${path}.tmp`;
  const handle = await open(tmp, 'w');
  try {
    await handle.writeFile(text, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await copyFile(path, `${path}.bak`);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await rename(tmp, path);
  await syncDirectory(dir);
}

async function syncDirectory(dir: string): Promise<void> {
  let handle;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch (error) {
    // Some platforms cannot open or fsync a directory (Windows: EPERM/EISDIR); the rename stands.
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EPERM' && code !== 'EISDIR' && code !== 'EINVAL' && code !== 'EACCES') throw error;
  } finally {
    await handle?.close();
  }
}

export type ConfigFileSource = 'file' | 'bak';

/**
 * Reads `path` (else `path.bak`) and hands the text to `decode`, which throws on bad content.
 * Returns where the content came from, or undefined when neither file exists (or both are
 * empty). Throws ConfigFileCorruptError when a file exists but neither version decodes.
 */
export async function loadConfigFile(path: string, decode: (text: string) => void, logger: Logger = silentLogger): Promise<ConfigFileSource | undefined> {
  const main = await readText(path);
  let mainError: unknown;
  if (main !== undefined && main.length > 0) {
    try {
      decode(main);
      return 'file';
    } catch (error) {
      mainError = error;
      logger.warn({ file: path, err: error }, 'config file does not parse; trying the backup');
    }
  } else if (main !== undefined) {
    logger.warn({ file: path }, 'config file is empty; trying the backup');
  }
  const bak = await readText(`${path}.bak`);
  if (bak !== undefined && bak.length > 0) {
    try {
      decode(bak);
      logger.warn({ file: `${path}.bak` }, `loaded ${path} from its backup`);
      return 'bak';
    } catch (error) {
      throw new ConfigFileCorruptError(path, mainError ?? error);
    }
  }
  if (mainError !== undefined) throw new ConfigFileCorruptError(path, mainError);
  return undefined;
}

async function readText(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
