// Provisional: replaced by `make frontend-client` (openapi-typescript ../openapi/openapi.json) once the contract exists.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type paths = Record<string, any>
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type components = { schemas: Record<string, any> }
