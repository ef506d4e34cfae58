/** The broker's JSON config files under config/ (storage-format.md §8). */
export * from './config-file.ts';
export * from './config-manager.ts';
export * from './data-version.ts';
export * from './versioned-table.ts';
export * from './topic-config-manager.ts';
export * from './subscription-group-manager.ts';
export * from './consumer-offset-manager.ts';
export * from './delay-offset-manager.ts';
export * from './errors.ts';
