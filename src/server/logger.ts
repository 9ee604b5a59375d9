import pino, { type DestinationStream, type Logger } from 'pino';

/**
 * Structured JSON logs. Tokens and API keys are never logged on purpose; the redaction below
 * is a second line of defence should a header or key field ever be passed to a log call.
 */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'bodhi-gateway' },
      redact: {
        paths: ['authorization', 'headers.authorization', 'req.headers.authorization', 'api_key', '*.api_key', 'apiKey', '*.apiKey', 'token', '*.token'],
        censor: '[redacted]',
      },
    },
    destination ?? pino.destination({ fd: 1, sync: false }),
  );
}
