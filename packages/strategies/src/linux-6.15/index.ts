export { LINUX_615, linux615 } from './linux615.ts'
