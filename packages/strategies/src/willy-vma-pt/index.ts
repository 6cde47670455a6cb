export { willyVmaPt } from './willyVmaPt.ts'
