export { TablesPerFolio, WillyVmaPt, willyVmaPt } from './willyVmaPt.ts'
