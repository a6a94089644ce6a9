// Seed data and the data fingerprint used to prove that a restored database is identical to the source.
import type { Postgres } from "./harness.js";

export const APP_USER = "app";
export const APP_PASSWORD = "app-pw-Ünïcode-e2e";

/** Several tables with foreign keys, a second schema, a few thousand rows, non-ASCII text, jsonb, a large object. */
export const SEED_SQL = `
CREATE TABLE customers (
  id bigserial PRIMARY KEY,
  name text NOT NULL,
  email text NOT NULL UNIQUE,
  country text NOT NULL,
  created_at timestamptz NOT NULL
);
CREATE TABLE products (
  id serial PRIMARY KEY,
  sku text NOT NULL UNIQUE,
  title text NOT NULL,
  price numeric(10, 2) NOT NULL CHECK (price >= 0)
);
CREATE TABLE orders (
  id bigserial PRIMARY KEY,
  customer_id bigint NOT NULL REFERENCES customers (id),
  placed_at timestamptz NOT NULL,
  note text
);
CREATE TABLE order_items (
  order_id bigint NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
  product_id int NOT NULL REFERENCES products (id),
  qty int NOT NULL CHECK (qty > 0),
  PRIMARY KEY (order_id, product_id)
);
CREATE SCHEMA billing;
CREATE TABLE billing.invoices (
  id serial PRIMARY KEY,
  order_id bigint NOT NULL REFERENCES public.orders (id),
  total numeric(12, 2) NOT NULL,
  meta jsonb NOT NULL,
  attachment oid
);
CREATE INDEX orders_customer_idx ON orders (customer_id);
CREATE VIEW order_totals AS
  SELECT o.id, sum(oi.qty * p.price) AS total FROM orders o JOIN order_items oi ON oi.order_id = o.id
  JOIN products p ON p.id = oi.product_id GROUP BY o.id;

INSERT INTO customers (name, email, country, created_at)
  SELECT (ARRAY['Zoë Ñúñez', 'Jürgen Groß', '山田 太郎', 'Αλέξανδρος', 'Łukasz Żółć', 'Renée 🚀'])[1 + g % 6] || ' #' || g,
         'user' || g || '@exämple.test', (ARRAY['FR', 'DE', 'JP', 'GR', 'PL', 'CA'])[1 + g % 6],
         timestamptz '2024-01-01 00:00:00+00' + g * interval '37 minutes'
  FROM generate_series(1, 2000) g;
INSERT INTO products (sku, title, price)
  SELECT 'SKU-' || lpad(g::text, 5, '0'), 'Produit n°' || g || ' — crème brûlée « spéciale » ☕', (g * 1.37)::numeric(10, 2)
  FROM generate_series(1, 300) g;
INSERT INTO orders (customer_id, placed_at, note)
  SELECT 1 + (g * 7) % 2000, timestamptz '2024-06-01 00:00:00+00' + g * interval '11 minutes',
         CASE WHEN g % 5 = 0 THEN NULL ELSE 'livraison à l''étage ' || g || E'\\tavec tabulation et\\nretour' END
  FROM generate_series(1, 5000) g;
INSERT INTO order_items (order_id, product_id, qty)
  SELECT g, 1 + g % 300, 1 + g % 4 FROM generate_series(1, 5000) g
  UNION ALL
  SELECT g, 1 + (g + 150) % 300, 2 FROM generate_series(1, 5000) g;
INSERT INTO billing.invoices (order_id, total, meta)
  SELECT g, (g * 3.5)::numeric(12, 2), jsonb_build_object('ref', 'FA-' || g, 'mémo', 'payé ✓', 'lines', g % 7)
  FROM generate_series(1, 3000) g;
UPDATE billing.invoices SET attachment = lo_from_bytea(0, convert_to(repeat('Größe 日本 🚀 ligne ', 20000), 'UTF8')) WHERE id = 1;
SELECT lo_from_bytea(0, decode(repeat('00ff10ef', 5000), 'hex'));
ANALYZE;
`;

/** ~12 MB of incompressible data, so the dump is uploaded as a multipart upload (parts of 5 MB in the tests). */
export const BULK_SQL = `
CREATE TABLE blobs (id int PRIMARY KEY, payload bytea NOT NULL);
INSERT INTO blobs
  SELECT g, (SELECT string_agg(uuid_send(gen_random_uuid()), ''::bytea) FROM generate_series(1, 64) WHERE g > 0)
  FROM generate_series(1, 12000) g;
`;

export function createAppDatabase(pg: Postgres, db: string, seedSql: string): void {
  pg.psql("postgres", `DO $$ BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${APP_USER}') THEN
      CREATE ROLE ${APP_USER} LOGIN CREATEDB PASSWORD '${APP_PASSWORD}';
    END IF; END $$;`);
  pg.psql("postgres", `CREATE DATABASE ${db} OWNER ${APP_USER};`);
  pg.psql(db, seedSql, APP_USER, APP_PASSWORD);
}

/**
 * A fingerprint of everything the service cares about: per table (every schema but the system ones) its row
 * count and an md5 of its rows in a stable order, the large objects (oid + md5 of content), sequence positions,
 * and the list of constraints. Two databases with equal fingerprints hold the same data.
 */
export function fingerprint(pg: Postgres, db: string): Record<string, string> {
  const tables = pg
    .psql(db, `SELECT format('%I.%I', schemaname, tablename) FROM pg_tables
               WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1;`)
    .split("\n")
    .filter((t) => t !== "");
  const out: Record<string, string> = {};
  for (const t of tables) {
    out[`table ${t}`] = pg.psql(
      db,
      `SELECT count(*) || ' rows, md5 ' || md5(coalesce(string_agg(x::text, E'\\n' ORDER BY x::text), '')) FROM ${t} x;`,
    );
  }
  out["large objects"] = pg.psql(
    db,
    `SELECT coalesce(string_agg(oid::text || ':' || md5(lo_get(oid)), ',' ORDER BY oid), '') FROM pg_largeobject_metadata;`,
  );
  out["sequences"] = pg.psql(
    db,
    `SELECT coalesce(string_agg(schemaname || '.' || sequencename || '=' || coalesce(last_value::text, 'null'), ',' ORDER BY schemaname, sequencename), '')
     FROM pg_sequences;`,
  );
  out["constraints"] = pg.psql(
    db,
    `SELECT string_agg(conrelid::regclass::text || ' ' || pg_get_constraintdef(oid), E'\\n' ORDER BY conrelid::regclass::text, pg_get_constraintdef(oid))
     FROM pg_constraint WHERE connamespace NOT IN ('pg_catalog'::regnamespace, 'information_schema'::regnamespace);`,
  );
  return out;
}
