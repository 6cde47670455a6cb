export * from './scenario/index.ts'
