/** Runs the TypeScript load generator (bench/loadgen) in its own process, so its CPU never counts as the servers'. */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { killOnExit, repoRoot } from '../../interop/lib/java.ts';
import type { TsProducerOptions, TsProducerResult } from '../loadgen/ts-producer.ts';

export function runTsProducerProcess(options: TsProducerOptions): Promise<TsProducerResult> {
  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=rocketmq-ts-source', join(repoRoot, 'bench', 'loadgen', 'ts-producer-main.ts'), JSON.stringify(options)], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  killOnExit(child);
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => {
      const match = /^RESULT (.+)$/m.exec(output);
      if (code === 0 && match) resolve(JSON.parse(match[1]!) as TsProducerResult);
      else reject(new Error(`the TypeScript load generator failed (exit ${String(code)}):\n${output.slice(-2000)}`));
    });
  });
}
