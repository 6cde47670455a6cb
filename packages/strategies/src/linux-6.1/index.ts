export { linux61 } from './linux61.ts'
