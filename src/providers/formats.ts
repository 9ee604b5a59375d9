// The format list as the management API, CLI and schemas use it.
export { API_FORMATS, isApiFormat, type ApiFormat, type Endpoint } from '../domain/formats.js';
export { ENDPOINT_FORMAT, FORMAT_LABELS } from './index.js';
