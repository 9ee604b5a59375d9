// What one upstream API format means, in one place: how the stored key travels, which client
// endpoint families reach it, and how its answers are read for ids and usage. Adding a format
// is one folder beside this file that exports a Provider.
import type { ApiFormat, Endpoint } from '../domain/formats.js';
import type { Observation } from '../domain/usage.js';
import type { Marker } from '../upstream/sse.js';
import type { ProviderProbe } from './probes.js';
import type { UsageReading } from './usage-counts.js';

/** The API model settings a provider may turn into upstream headers. */
export interface ProviderSettings {
  readonly openaiOrganization: string | null;
  readonly openaiProject: string | null;
}

/** Receives what a reader finds; values are checked by the observer, not the reader. */
export interface AnswerSink {
  responseId(id: unknown): void;
  status(status: unknown): void;
  usage(usage: unknown): void;
}

/** How the answers of one endpoint family are read as they pass. */
export interface AnswerReader {
  /** Bytes that mark a stream event worth parsing. */
  readonly eventMarker: Buffer;
  /** Whether the event in buf[start, end) is worth parsing; `marker` searches for eventMarker. */
  wantsEvent(marker: Marker, buf: Buffer, start: number, end: number, observed: Observation): boolean;
  /** Reads one parsed event's data. */
  readEvent(data: unknown, sink: AnswerSink): void;
  /** Top-level fields of a JSON body producers write first, and the ones they write last. */
  readonly jsonHead: readonly string[];
  readonly jsonTail: readonly string[];
  readJson(field: (key: string) => unknown, sink: AnswerSink): void;
  readUsage(usage: unknown): UsageReading;
  /**
   * Set when a JSON array body is a stream of answers (Gemini's streamGenerateContent without
   * `alt=sse`): each element is read as a stream event is.
   */
  readonly jsonArrayEvents?: boolean;
  /**
   * Set for answers that create an object the client can address later (a Response): where
   * its id shows first, so it can be recorded before the client has it.
   */
  readonly createdId?: {
    /** The top-level JSON field that holds it; producers write it first. */
    readonly jsonKey: string;
    /** Matches the id in the data line of an unfinished created event (group 1). */
    readonly inUnfinishedEvent: RegExp;
  };
}

export interface Provider {
  readonly format: ApiFormat;
  /** How the format is named in the UI and the formats list. */
  readonly label: string;
  /** The endpoint families clients reach this format through. */
  readonly endpoints: readonly Endpoint[];
  /** Flat [name, value, ...] headers that carry the stored key (and account choice) upstream. */
  upstreamHeaders(key: string | null, settings: ProviderSettings): string[];
  /** Flat [name, value, ...] headers sent only when the client sent none of that name (e.g. an API version). */
  readonly defaultHeaders?: readonly string[];
  /** The reader for each endpoint family in `endpoints`. */
  reader(endpoint: Endpoint): AnswerReader;
  /** How the admin checks list the upstream's models and test a connection. */
  readonly probe: ProviderProbe;
}
