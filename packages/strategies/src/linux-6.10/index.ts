export { linux610 } from './linux610.ts'
