import fc from 'fast-check';

/** Long strings dense in quotes and backslashes: they take the JSON scanners' native-search path. */
export const trickyString = fc.string({ unit: fc.constantFrom('a', '"', '\\', '}', ']', ' ', 'é'), minLength: 20, maxLength: 90 });
