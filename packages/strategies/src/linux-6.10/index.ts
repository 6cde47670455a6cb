export { Linux610, linux610 } from './linux610.ts'
