/**
 * assertNever - the default of a switch that must name every member of a union (event types, scenario
 * statements): a member left out is a compile error at the call (@x is not `never`); a value from outside
 * the type (a cast, data that skipped validation) is an internal error naming @what.
 */
export function assertNever(x: never, what: string): never {
  const shown = typeof x === 'object' && x !== null ? JSON.stringify(x).slice(0, 200) : String(x)
  throw new Error(`internal error: unhandled ${what}: ${shown}`)
}
