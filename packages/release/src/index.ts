export * from './build/bundle.ts';
export * from './build/programs.ts';
export * from './build/turn-test-config.ts';
