export * from './build/bundle.ts';
export * from './build/programs.ts';
export * from './build/turn-test-config.ts';
export * from './image/build-images.ts';
export * from './image/images.ts';
export * from './image/oci-layout.ts';
