/** For tests and sibling packages only. */
export { NameServer } from './namesrv/name-server.ts';
