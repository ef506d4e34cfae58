/**
 * Running Java for the interop tests: the JVM flags RocketMQ 4.8 needs on Java 17, Maven
 * classpaths (built on first use when missing), child processes whose output goes to files, and
 * /proc readings. Test code only.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * Module flags that RocketMQ 4.8 (netty 4.0.42) needs to run on Java 17. Measured one by one:
 * - `java.nio` opened: netty's PlatformDependent0 makes `Buffer.address` accessible in a static
 *   initializer; without it every NioEventLoopGroup fails (NoClassDefFoundError) — fatal for the
 *   name server, the broker and the Java client alike. The broker's MappedFile.clean also calls
 *   `DirectByteBuffer.attachment()/cleaner()` reflectively.
 * - `sun.nio.ch` opened: netty swaps its own selected-key set into `SelectorImpl` (otherwise it
 *   logs a stack trace per event loop and runs the slower path); the broker casts to
 *   `sun.nio.ch.DirectBuffer` when `warmMapedFileEnable` or `transientStorePoolEnable` is on.
 */
export const JAVA17_NETTY_FLAGS = [
  '--add-opens=java.base/java.nio=ALL-UNNAMED',
  '--add-opens=java.base/sun.nio.ch=ALL-UNNAMED',
] as const;

/**
 * Extra flags for the broker: MappedFile.clean (unmapping at shutdown, file deletion and the
 * preallocated-file destroy) calls `jdk.internal.ref.Cleaner.clean()` reflectively; without this
 * export the shutdown hook throws, the `abort` file stays and the next start runs the abnormal
 * recovery. Plus the flags of {@link JAVA17_NETTY_FLAGS}.
 */
export const JAVA17_BROKER_FLAGS = [
  ...JAVA17_NETTY_FLAGS,
  '--add-exports=java.base/jdk.internal.ref=ALL-UNNAMED',
] as const;

/**
 * Servers only: TLS "permissive" (the 4.8 default) makes netty generate a self-signed certificate
 * at startup, which fails on Java 17 (no sun.security.x509 access, no BouncyCastle) and logs an
 * ERROR with a stack trace. Nothing here uses TLS.
 */
export const TLS_DISABLED = '-Dtls.server.mode=disabled';

export class CommandError extends Error {
  constructor(
    message: string,
    readonly exitCode: number | null,
    readonly output: string,
  ) {
    super(message);
    this.name = 'CommandError';
  }
}

/** Runs a command to completion; rejects with its output when it fails or exceeds the timeout. */
export function runCommand(
  command: string,
  args: readonly string[],
  options: { cwd?: string; timeoutMillis: number; env?: NodeJS.ProcessEnv },
): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMillis);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(new CommandError(`cannot run ${command}: ${error.message} (is it on PATH?)`, null, ''));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      const stdout = Buffer.concat(out).toString('utf8');
      const stderr = Buffer.concat(err).toString('utf8');
      if (timedOut) {
        reject(new CommandError(`${command} ${args.join(' ')} did not finish within ${options.timeoutMillis} ms\n${tailText(stderr + stdout, 40)}`, code, stdout + stderr));
      } else if (code !== 0) {
        reject(new CommandError(`${command} ${args.join(' ')} exited with ${code}\n${tailText(stderr + stdout, 40)}`, code, stdout + stderr));
      } else {
        resolve({ stdout, stderr });
      }
    });
  });
}

/** The last `lines` lines of a text. */
export function tailText(text: string, lines: number): string {
  const all = text.replace(/\s+$/, '').split('\n');
  return all.slice(Math.max(0, all.length - lines)).join('\n');
}

/** The last `lines` lines of a file ('' when it does not exist). */
export function tailFile(path: string, lines: number): string {
  if (!existsSync(path)) return '';
  return tailText(readFileSync(path, 'utf8'), lines);
}

const MAVEN_TIMEOUT_MILLIS = 10 * 60_000;

/** Reads a `dependency:build-classpath` output file; null when it or any jar in it is missing. */
function readClasspathFile(file: string): string | null {
  if (!existsSync(file)) return null;
  const classpath = readFileSync(file, 'utf8').trim();
  if (classpath === '' || !classpath.split(':').every((jar) => existsSync(jar))) return null;
  return classpath;
}

let apacheClasspaths = new Map<string, Promise<string>>();

/**
 * The runtime classpath of Apache RocketMQ `version` (rocketmq-namesrv + rocketmq-broker from
 * Maven Central), resolved by interop/apache/prepare.sh when not resolved yet.
 */
export function apacheClasspath(version: string): Promise<string> {
  let classpath = apacheClasspaths.get(version);
  if (!classpath) {
    classpath = (async () => {
      const dir = join(repoRoot, 'interop', 'apache');
      const file = join(dir, 'target', `classpath-${version}.txt`);
      const ready = readClasspathFile(file);
      if (ready !== null) return ready;
      await runCommand('bash', [join(dir, 'prepare.sh'), '--servers-only', version], { timeoutMillis: MAVEN_TIMEOUT_MILLIS });
      const resolved = readClasspathFile(file);
      if (resolved === null) throw new Error(`interop/apache/prepare.sh ran but ${file} is still missing or lists missing jars`);
      return resolved;
    })();
    classpath.catch(() => apacheClasspaths.delete(version));
    apacheClasspaths.set(version, classpath);
  }
  return classpath;
}

/** Forgets resolved classpaths (tests of this module only). */
export function resetClasspathCache(): void {
  apacheClasspaths = new Map();
  clientClasspath = null;
}

function newestMtime(dir: string, suffix: string): number {
  let newest = 0;
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const stat = statSync(path);
    if (stat.isDirectory()) newest = Math.max(newest, newestMtime(path, suffix));
    else if (name.endsWith(suffix)) newest = Math.max(newest, stat.mtimeMs);
  }
  return newest;
}

let clientClasspath: Promise<string> | null = null;

/**
 * The classpath of the interop Java programs (interop/java: target/classes + rocketmq-client
 * 4.8.0 and its dependencies). Runs interop/java/build.sh when the classes are missing or older
 * than a source file. Several test processes building at once may collide: CI runs
 * interop/apache/prepare.sh first, which builds them once.
 */
export function javaClientClasspath(): Promise<string> {
  clientClasspath ??= (async () => {
    const dir = join(repoRoot, 'interop', 'java');
    const classes = join(dir, 'target', 'classes');
    const depsFile = join(dir, 'target', 'classpath.txt');
    const stale = (): boolean =>
      readClasspathFile(depsFile) === null ||
      !existsSync(join(classes, 'io', 'rocketmqts', 'interop', 'ProduceMessages.class')) ||
      newestMtime(join(dir, 'src'), '.java') > newestMtime(classes, '.class');
    if (stale()) {
      await runCommand('bash', [join(dir, 'build.sh')], { timeoutMillis: MAVEN_TIMEOUT_MILLIS });
      if (stale()) throw new Error(`interop/java/build.sh ran but ${classes} or ${depsFile} is still missing`);
    }
    return `${classes}:${readClasspathFile(depsFile)}`;
  })();
  clientClasspath.catch(() => {
    clientClasspath = null;
  });
  return clientClasspath;
}

/** A long-running child process whose stdout and stderr go to one file. */
export interface LoggedProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly outFile: string;
  /** Resolves with the exit code (or the signal's name) when the process has exited. */
  readonly exited: Promise<number | string>;
  /** The exit code or signal once exited, else undefined. */
  exitStatus(): number | string | undefined;
}

const liveProcesses = new Set<ChildProcess>();
let exitHookInstalled = false;

/** Java children must not outlive a crashed test process (they would keep ports and memory). */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of liveProcesses) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  });
}

/** Kills `child` with SIGKILL if it is still running when this test process exits. */
export function killOnExit(child: ChildProcess): void {
  installExitHook();
  liveProcesses.add(child);
  child.on('exit', () => liveProcesses.delete(child));
}

/** Starts `command` with stdout+stderr appended to `outFile`. */
export function spawnLogged(
  command: string,
  args: readonly string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; outFile: string },
): LoggedProcess {
  installExitHook();
  const fd = openSync(options.outFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', fd, fd] });
  } finally {
    closeSync(fd);
  }
  liveProcesses.add(child);
  let status: number | string | undefined;
  const exited = new Promise<number | string>((resolve) => {
    child.on('error', (error) => {
      status = `spawn error: ${error.message}`;
      liveProcesses.delete(child);
      resolve(status);
    });
    child.on('exit', (code, signal) => {
      status = code ?? signal ?? 'unknown';
      liveProcesses.delete(child);
      resolve(status);
    });
  });
  return {
    child,
    pid: child.pid ?? -1,
    outFile: options.outFile,
    exited,
    exitStatus: () => status,
  };
}

/**
 * Sends SIGTERM, waits up to `graceMillis`, then SIGKILL. Resolves with how it ended:
 * 'exited' (on its own before the signal), 'terminated' (after SIGTERM) or 'killed'.
 */
export async function terminate(proc: LoggedProcess, graceMillis: number): Promise<'exited' | 'terminated' | 'killed'> {
  if (proc.exitStatus() !== undefined) return 'exited';
  proc.child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const timedOut = await Promise.race([
    proc.exited.then(() => false),
    new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(true), graceMillis);
    }),
  ]);
  clearTimeout(timer);
  if (!timedOut) return 'terminated';
  proc.child.kill('SIGKILL');
  await proc.exited;
  return 'killed';
}

/** VmRSS of a live process in KiB, from /proc/<pid>/status; null when unavailable. */
export function rssKiB(pid: number): number | null {
  try {
    const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : null;
  } catch {
    return null;
  }
}

/** Resolves after `millis`. */
export function sleep(millis: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, millis));
}
