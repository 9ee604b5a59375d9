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
  // 0002 is taken by the request log (observability).
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
};

export const migrationProvider: MigrationProvider = {
  async getMigrations() {
    return migrations;
  },
};

