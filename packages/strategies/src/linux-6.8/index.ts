export { Linux68, linux68 } from './linux68.ts'
