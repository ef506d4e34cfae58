/** `npx rocketmq-dashboard -n 127.0.0.1:9876 [--port 8080]`. */
import { Command, InvalidArgumentError } from 'commander';
import { startDashboard } from './index.ts';

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('a port is an integer from 0 to 65535');
  return n;
}

export async function main(argv: string[]): Promise<void> {
  const program = new Command('rocketmq-dashboard')
    .description('Web console for a RocketMQ 4.x cluster (rocketmq-ts or Apache RocketMQ)')
    .option('-n, --namesrv-addr <addr>', 'name server(s), host:port[;host:port]', process.env['NAMESRV_ADDR'] ?? '127.0.0.1:9876')
    .option('-p, --port <port>', 'HTTP port', port, 8080)
    .option('--host <host>', 'address to listen on', '0.0.0.0')
    .option('--sample-interval <ms>', 'how often live charts sample the cluster', port, 5000)
    .parse(argv);
  const options = program.opts<{ namesrvAddr: string; port: number; host: string; sampleInterval: number }>();
  const dashboard = await startDashboard({ namesrvAddr: options.namesrvAddr, port: options.port, host: options.host, sampleIntervalMillis: options.sampleInterval });
  process.stdout.write(`rocketmq-dashboard: ${dashboard.url} (name server ${options.namesrvAddr}); Ctrl-C stops it\n`);
  const stop = (): void => void dashboard.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
