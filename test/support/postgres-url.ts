/**
 * The server tests use: PostgreSQL on loopback with trust auth (see the project brief). A test
 * environment may point elsewhere with TALLY_TEST_POSTGRES_URL (it must name a database to
 * connect to for CREATE/DROP DATABASE, usually `postgres`), but it stays loopback: the test setup
 * fails any other host.
 */
export const TEST_POSTGRES_ADMIN_URL = process.env.TALLY_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
