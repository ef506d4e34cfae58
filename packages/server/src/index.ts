/** @rocketmq-ts/server — name server, broker and command-line tools. */
export { NameServer, type NameServerOptions } from './namesrv/name-server.ts';
export { RouteInfoManager } from './namesrv/route-info-manager.ts';
export { namesrvDefaults, type NamesrvConfig } from './namesrv/namesrv-config.ts';
export { applyProperties, parsePropertiesText, readPropertiesFile, toPropertiesText } from './config/properties.ts';
