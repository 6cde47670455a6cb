export * from './scenario/index.ts'
export * from './live/index.ts'
export * from './sim/index.ts'
export { acquireKernelTestLock, releaseKernelTestLock } from './live/kernelTestLock.ts'
