export { WillyVmaPt, willyVmaPt } from './willyVmaPt.ts'
