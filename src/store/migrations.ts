// Versioned migrations, run on start by Kysely's Migrator (which holds a lock, so several
// processes starting at once apply each migration exactly once). Append; never edit.
import { type Kysely, type Migration, type MigrationProvider } from 'kysely';

const migrations: Record<string, Migration> = {
  '0001_initial': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('api_models')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull().unique())
        .addColumn('api_format', 'text', (c) => c.notNull())
        .addColumn('base_url', 'text', (c) => c.notNull())
        .addColumn('api_key_enc', 'text')
        .addColumn('models', 'text', (c) => c.notNull().defaultTo('[]'))
        .addColumn('prefix', 'text')
        .addColumn('forward_all', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('tokens')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('token_prefix', 'text', (c) => c.notNull())
        .addColumn('token_hash', 'text', (c) => c.notNull().unique())
        .addColumn('scope', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addColumn('last_used_at', 'bigint')
        .addColumn('expires_at', 'bigint')
        .addColumn('allowed_models', 'text')
        .addColumn('rate_limit_rpm', 'integer')
        .execute();
      await db.schema.createIndex('tokens_prefix_idx').on('tokens').column('token_prefix').execute();

      await db.schema
        .createTable('response_routes')
        .addColumn('response_id', 'text', (c) => c.primaryKey())
        .addColumn('api_model_id', 'text', (c) => c.notNull())
        .addColumn('model', 'text', (c) => c.notNull())
        .addColumn('token_id', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('response_routes_created_idx').on('response_routes').column('created_at').execute();

      await db.schema
        .createTable('meta')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('value', 'text', (c) => c.notNull())
        .execute();
      await db.insertInto('meta').values({ key: 'config_version', value: '0' }).execute();
    },
    async down(db: Kysely<any>) {
      for (const t of ['meta', 'response_routes', 'tokens', 'api_models']) await db.schema.dropTable(t).execute();
    },
  },
  '0002_request_log': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('request_log')
        // The request id, not a key: a unique index on random ids costs more per row than the
        // rest of the insert, and rows are only ever read by time range. The writer stores rows
        // in chunks of one statement each and retries only the chunks that failed, so no row is
        // stored twice.
        .addColumn('id', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('token_id', 'text')
        .addColumn('token_name', 'text')
        .addColumn('method', 'text', (c) => c.notNull())
        .addColumn('route', 'text', (c) => c.notNull())
        .addColumn('model', 'text')
        .addColumn('api_model_id', 'text')
        .addColumn('api_model_name', 'text')
        .addColumn('status', 'integer', (c) => c.notNull())
        .addColumn('duration_ms', 'real', (c) => c.notNull())
        .addColumn('ttfb_ms', 'real')
        .addColumn('response_id', 'text')
        .addColumn('stream', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('outcome', 'text', (c) => c.notNull())
        .addColumn('input_tokens', 'integer')
        .addColumn('output_tokens', 'integer')
        .addColumn('reasoning_tokens', 'integer')
        .addColumn('cached_tokens', 'integer')
        .addColumn('usage_counted', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema.createIndex('request_log_created_idx').on('request_log').column('created_at').execute();
      await db.schema.alterTable('response_routes').addColumn('usage_counted_at', 'bigint').execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.alterTable('response_routes').dropColumn('usage_counted_at').execute();
      await db.schema.dropTable('request_log').execute();
    },
  },
  '0003_local_aliases': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('local_aliases')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull().unique())
        .addColumn('model_file', 'text', (c) => c.notNull())
        .addColumn('context_size', 'integer')
        .addColumn('request_params', 'text', (c) => c.notNull().defaultTo('{}'))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.dropTable('local_aliases').execute();
    },
  },
  '0004_api_model_openai_org_project': {
    async up(db: Kysely<any>) {
      await db.schema.alterTable('api_models').addColumn('openai_organization', 'text').execute();
      await db.schema.alterTable('api_models').addColumn('openai_project', 'text').execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.alterTable('api_models').dropColumn('openai_project').execute();
      await db.schema.alterTable('api_models').dropColumn('openai_organization').execute();
    },
  },
  '0005_routers': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('routers')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull().unique())
        .addColumn('strategy', 'text', (c) => c.notNull())
        .addColumn('targets', 'text', (c) => c.notNull())
        .addColumn('retry_on_status', 'text', (c) => c.notNull())
        .addColumn('max_attempts', 'integer')
        .addColumn('failure_threshold', 'integer', (c) => c.notNull())
        .addColumn('failure_window_ms', 'bigint', (c) => c.notNull())
        .addColumn('cooldown_ms', 'bigint', (c) => c.notNull())
        .addColumn('max_retry_after_ms', 'bigint', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.alterTable('request_log').addColumn('router', 'text').execute();
      await db.schema.alterTable('request_log').addColumn('upstream_model', 'text').execute();
      await db.schema.alterTable('request_log').addColumn('attempts', 'text').execute();
    },
    async down(db: Kysely<any>) {
      for (const c of ['attempts', 'upstream_model', 'router']) await db.schema.alterTable('request_log').dropColumn(c).execute();
      await db.schema.dropTable('routers').execute();
    },
  },
  '0006_api_model_websocket': {
    async up(db: Kysely<any>) {
      // 0/1, or null for automatic (on for api.openai.com).
      await db.schema.alterTable('api_models').addColumn('websocket', 'integer').execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.alterTable('api_models').dropColumn('websocket').execute();
    },
  },
  '0007_response_route_upstream_model': {
    async up(db: Kysely<any>) {
      await db.schema.alterTable('response_routes').addColumn('upstream_model', 'text').execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.alterTable('response_routes').dropColumn('upstream_model').execute();
    },
  },
  '0008_request_log_error': {
    async up(db: Kysely<any>) {
      // The gateway's own error for a rejected or failed call: JSON {code, message}; null otherwise.
      // Browsing (GET /bodhi/v1/requests) pages by (created_at, id) over the created_at index.
      await db.schema.alterTable('request_log').addColumn('error', 'text').execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.alterTable('request_log').dropColumn('error').execute();
    },
  },
};

export const migrationProvider: MigrationProvider = {
  async getMigrations() {
    return migrations;
  },
};

