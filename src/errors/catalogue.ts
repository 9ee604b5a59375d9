// The error catalogue: codes with their status and type (codes.ts), and the GatewayError built
// from one, with its helpers (gateway-error.ts). Imported from here by the rest of src/.
export * from './codes.js';
export * from './gateway-error.js';
