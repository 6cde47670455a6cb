export { linux62 } from './linux62.ts'
