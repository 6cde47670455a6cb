export { Linux61, linux61 } from './linux61.ts'
