/** The machine a run was made on, for the report. */
import { spawnSync } from 'node:child_process';
import { cpus, release, totalmem } from 'node:os';
import type { MachineInfo } from './results.ts';

export function machineInfo(): MachineInfo {
  const java = spawnSync('java', ['-version'], { encoding: 'utf8' });
  return {
    cpus: cpus()[0]?.model.trim() ?? 'unknown',
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 1024 ** 3),
    node: process.version,
    java: (java.stderr.split('\n')[0] ?? 'unknown').trim(),
    kernel: release(),
  };
}
