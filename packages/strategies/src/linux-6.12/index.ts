export { linux612 } from './linux612.ts'
