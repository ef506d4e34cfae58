/** Every mqadmin command, in the order `mqadmin` lists them (Apache's MQAdminStartup order where it has them). */
import type { CommandSpec } from '../command.ts';
import { aclCommands } from './acl.ts';
import { brokerCommands } from './broker.ts';
import { groupCommands } from './group.ts';
import { messageCommands } from './message.ts';
import { namesrvCommands } from './namesrv.ts';
import { statsCommands } from './stats.ts';
import { topicCommands } from './topic.ts';

export const allCommands: readonly CommandSpec[] = [...topicCommands, ...brokerCommands, ...groupCommands, ...messageCommands, ...statsCommands, ...namesrvCommands, ...aclCommands];
