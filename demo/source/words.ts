/** Word lists the generator picks from (by deterministic index). */

export const FIRST_NAMES = [
  "Ada", "Alan", "Grace", "Linus", "Margaret", "Dennis", "Barbara", "Ken", "Radia", "Edsger",
  "Frances", "Donald", "Hedy", "Tim", "Katherine", "Guido", "Sophie", "Yukihiro", "Anita", "James",
];
export const LAST_NAMES = [
  "Lovelace", "Turing", "Hopper", "Torvalds", "Hamilton", "Ritchie", "Liskov", "Thompson", "Perlman",
  "Dijkstra", "Allen", "Knuth", "Lamarr", "Berners", "Johnson", "Rossum", "Wilson", "Matsumoto", "Borg",
  "Gosling",
];
export const ADJECTIVES = [
  "Apollo", "Blue", "Quiet", "Rapid", "Northern", "Silver", "Bright", "Hidden", "Open", "Solid",
];
export const NOUNS = [
  "redesign", "launch", "migration", "onboarding", "billing", "analytics", "mobile app", "API", "audit",
  "website",
];
export const TASK_VERBS = ["Fix", "Add", "Refactor", "Review", "Document", "Test", "Design", "Remove", "Update", "Ship"];
export const TASK_OBJECTS = [
  "login form", "invoice export", "search index", "dark mode", "CSV import", "rate limiter", "email templates",
  "error pages", "user settings", "webhook retries", "file uploads", "audit log",
];
export const SENTENCES = [
  "Looks good to me.",
  "Can we split this into two smaller changes?",
  "I pushed a fix, please take another look.",
  "This breaks on Safari 17 — see the screenshot.",
  "Blocked until the API change lands.",
  "Moved to next sprint.",
  "Added tests for the edge cases we discussed.",
  "The numbers in the report don't add up yet.",
  "Ça marche maintenant, merci !",
  "Let's pair on this tomorrow morning.",
  "Customer confirmed the issue is gone.",
  "Needs a migration for the new column.",
  "日本語のテキストも正しく表示されます。",
  "Closing as duplicate of the older ticket.",
  "Performance is 3x better with the new index.",
  "Edge case: what if the budget is 0?",
];
export const BIOS = [
  "Backend engineer. Coffee first.",
  "Designer who codes a little.",
  "PM by day, baker by night.",
  "Working on reliability and on-call sanity.",
  "Data person — ask me about dashboards.",
];

/** SQL array literal of text values (values are trusted constants from this file). */
export function sqlTextArray(values: readonly string[]): string {
  return `ARRAY[${values.map((v) => `'${v.replace(/'/g, "''")}'`).join(", ")}]::text[]`;
}

/** SQL expression picking an element of `values` with a [0,1) random expression. */
export function sqlPick(values: readonly string[], randExpr: string): string {
  return `(${sqlTextArray(values)})[1 + floor(${randExpr} * ${values.length})::int]`;
}
