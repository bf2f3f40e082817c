// `npm run db:migrate`: applies prisma/migrations to the metadata store at DATABASE_URL, recording them
// in `_prisma_migrations` as `prisma migrate deploy` would (no native schema engine needed).
import "./load-env";
import { migrateDatabase } from "../lib/db/migrate";

async function main(): Promise<number> {
  const url = process.env.DATABASE_URL;
  if (!url) {
    console.error("db:migrate: DATABASE_URL is not set (the metadata store's connection string, see .env.example)");
    return 2;
  }
  try {
    const { applied, alreadyApplied } = await migrateDatabase(url, { log: (line) => console.log(`db:migrate: ${line}`) });
    console.log(
      applied.length > 0
        ? `db:migrate: applied ${applied.length} migration(s): ${applied.join(", ")}`
        : `db:migrate: database is up to date (${alreadyApplied.length} migration(s) applied earlier)`,
    );
    return 0;
  } catch (e) {
    console.error(`db:migrate: ${(e as Error).message}`);
    return 1;
  }
}

process.exitCode = await main();
