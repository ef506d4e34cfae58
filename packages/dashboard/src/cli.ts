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
    .option('--host <host>', 'address to listen on (0.0.0.0 for every interface: turn on --login-required too)', '127.0.0.1')
    .option('--login-required', 'ask for a login (users from --users-file)', false)
    .option('--users-file <path>', 'users.properties: name=password, or name=password,1 for an admin')
    .option('--sample-interval <ms>', 'how often live charts sample the cluster', port, 5000)
    .parse(argv);
  const options = program.opts<{ namesrvAddr: string; port: number; host: string; sampleInterval: number; loginRequired: boolean; usersFile?: string }>();
  // ACL keys come from the environment, not flags, so they stay out of `ps` output.
  const accessKey = process.env['RMQ_CONSOLE_ACCESS_KEY'];
  const secretKey = process.env['RMQ_CONSOLE_SECRET_KEY'];
  if ((accessKey === undefined) !== (secretKey === undefined)) throw new Error('set both RMQ_CONSOLE_ACCESS_KEY and RMQ_CONSOLE_SECRET_KEY (the console\'s ACL account), or neither');
  const dashboard = await startDashboard({
    namesrvAddr: options.namesrvAddr,
    port: options.port,
    host: options.host,
    sampleIntervalMillis: options.sampleInterval,
    login: { loginRequired: options.loginRequired, usersFile: options.usersFile },
    credentials: accessKey !== undefined && secretKey !== undefined ? { accessKey, secretKey } : undefined,
  });
  process.stdout.write(`rocketmq-dashboard: ${dashboard.url} (name server ${options.namesrvAddr}); Ctrl-C stops it\n`);
  const stop = (): void => void dashboard.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
