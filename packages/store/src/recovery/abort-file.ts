/**
 * The `abort` marker (spec §5): an empty file present while a store runs. Found at start, it
 * means the last run did not shut down cleanly ⇒ abnormal recovery. Created after recovery,
 * deleted by a clean shutdown. Paths follow StorePathConfigHelper.
 */
import { access, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { syncDirectory } from '../segment/segment.ts';

export function abortFilePath(rootDir: string): string {
  return join(rootDir, 'abort');
}

export function checkpointFilePath(rootDir: string): string {
  return join(rootDir, 'checkpoint');
}

export function commitLogDirPath(rootDir: string): string {
  return join(rootDir, 'commitlog');
}

export async function abortFileExists(rootDir: string): Promise<boolean> {
  return access(abortFilePath(rootDir)).then(
    () => true,
    () => false,
  );
}

/** Creates the marker durably (the directory entry is synced). */
export async function createAbortFile(rootDir: string): Promise<void> {
  await writeFile(abortFilePath(rootDir), '');
  await syncDirectory(rootDir);
}

export async function removeAbortFile(rootDir: string): Promise<void> {
  await rm(abortFilePath(rootDir), { force: true });
  await syncDirectory(rootDir);
}
