/** msgpackr as the trace package resolves it (for tools outside the package, such as tools/fuzz). */
export { Packr, Unpackr } from 'msgpackr'
