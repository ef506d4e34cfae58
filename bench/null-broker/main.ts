/**
 * The null broker's process: `main.ts <namesrvPort> <topic,topic,...>` starts our name server
 * on 127.0.0.1:<namesrvPort> (0 = ephemeral) and a null broker registered with it, prints
 * `READY <namesrvAddr> <brokerAddr>`, and runs until SIGTERM.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NameServer } from '@rocketmq-ts/server';
import { startNullBroker } from './null-broker.ts';

const [portText, topicsText] = process.argv.slice(2);
const dir = await mkdtemp(join(tmpdir(), 'rmqts-null-broker-'));
const namesrv = new NameServer({ config: { listenPort: Number(portText ?? 0), bindAddress: '127.0.0.1', kvConfigPath: join(dir, 'kvConfig.json') } });
const { port } = await namesrv.start();
const namesrvAddr = `127.0.0.1:${port}`;
const broker = await startNullBroker({ namesrvAddr, topics: (topicsText ?? '').split(',').filter((topic) => topic !== '') });
process.stdout.write(`READY ${namesrvAddr} ${broker.brokerAddr}\n`);
process.once('SIGTERM', () => {
  void (async () => {
    await broker.stop();
    await namesrv.stop();
    await rm(dir, { recursive: true, force: true });
    process.exit(0);
  })();
});
