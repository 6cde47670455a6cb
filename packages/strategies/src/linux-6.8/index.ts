export { linux68 } from './linux68.ts'
