export * from './stunnerd.ts';
