import { describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  diffForViewer,
  mayReadRowValues,
  TEXT_VALUES_WITHHELD,
  withholdCheckValues,
  withholdRowValues,
  withholdValuesInJson,
  withholdValuesInText,
  WITHHELD_REASON,
} from "./diff-visibility";

const DIFF = {
  tables: [
    {
      sourceTable: '"Sales Team"."order items.v2"',
      targetTable: '"Sales Team"."order items.v2"',
      match: false,
      sourceRowCount: 300,
      targetRowCount: 299,
      sourceChecksum: "ab",
      targetChecksum: "cd",
      missing: [{ "Order Id": "41", email: "ana@example.com" }],
      extra: [],
      changed: [{ key: { "Order Id": "42" }, columns: [{ column: "Note", source: "note 127", target: "edited" }] }],
      truncated: false,
      needsPrimaryKey: false,
      columns: ["Order Id", "Note"],
      // Fields a newer comparison may add: counts and per-column facts stay, anything with values goes.
      columnDifferences: [{ column: "Note", rows: 1, everyRow: false }],
      duplicateKeys: [{ key: { "Order Id": "7" }, count: 2 }],
      sample: "secret value",
      comparedAs: "key",
      key: ["Order Id"],
      counts: { missing: 1, extra: 0, changed: 1 },
      copies: { missing: [{ source: 2, target: 1 }], extra: [] },
      inconclusive: { counts: { missing: 0, extra: 0, changed: 1 }, rows: [{ kind: "changed", key: { "Order Id": "9" } }], reason: "the source was written" },
    },
  ],
  missingInTarget: ["app.events"],
  extraInTarget: [],
  coverage: [{ table: "app.events", side: "source", outcome: "not_compared", reason: "missing in the target" }],
  leakedAtTop: [{ value: "x" }],
};

describe("who may read row values", () => {
  it("operators and admins; not viewers, nor anything unknown", () => {
    expect(mayReadRowValues("admin")).toBe(true);
    expect(mayReadRowValues("operator")).toBe(true);
    expect(mayReadRowValues("viewer")).toBe(false);
    expect(mayReadRowValues("system")).toBe(false);
    expect(mayReadRowValues(null)).toBe(false);
  });
});

describe("withholdRowValues", () => {
  it("keeps names, counts, checksums and columns, says how many rows each list had, and drops every value", () => {
    const out = withholdRowValues(DIFF);
    const text = JSON.stringify(out);
    for (const value of ["ana@example.com", "41", "note 127", "edited", '"7"', '"9"', "secret value", "leakedAtTop"]) expect(text).not.toContain(value);
    expect(out.withheld).toBe(WITHHELD_REASON);
    expect(out.missingInTarget).toEqual(["app.events"]);
    expect(out.coverage).toEqual(DIFF.coverage);
    expect((out.tables as unknown[])[0]).toEqual({
      sourceTable: '"Sales Team"."order items.v2"',
      targetTable: '"Sales Team"."order items.v2"',
      match: false,
      sourceRowCount: 300,
      targetRowCount: 299,
      sourceChecksum: "ab",
      targetChecksum: "cd",
      missing: [],
      extra: [],
      changed: [],
      truncated: false,
      needsPrimaryKey: false,
      columns: ["Order Id", "Note"],
      columnDifferences: [{ column: "Note", rows: 1, everyRow: false }],
      duplicateKeys: [],
      comparedAs: "key",
      key: ["Order Id"],
      counts: { missing: 1, extra: 0, changed: 1 },
      copies: { missing: [{ source: 2, target: 1 }], extra: [] },
      inconclusive: { counts: { missing: 0, extra: 0, changed: 1 }, rows: [], reason: "the source was written" },
      changedColumns: ["Note"],
      withheldRows: { missing: 1, changed: 1, duplicateKeys: 1, "inconclusive.rows": 1 },
    });
  });

  it("withholds a diff of any other shape whole", () => {
    expect(withholdRowValues("rows")).toEqual({ withheld: WITHHELD_REASON });
    expect(withholdRowValues({ users: [{ email: "a@b.c" }], count: 3 })).toEqual({ withheld: WITHHELD_REASON, count: 3 });
  });
});

describe("withholdCheckValues", () => {
  const checks = [
    {
      name: "every source user present",
      status: "failed",
      message: "2 source users missing from public.users",
      details: { count: 2, critical: true, samples: [{ id: "7f0c…", email: "ana@example.com" }, { id: "9a1b…", email: "bo@example.com" }] },
    },
    { name: "user count", status: "passed", message: "40 source users, 40 in public.users", details: { source: 40, target: 40 } },
    { name: "files", status: "failed", message: "1 changed", details: { table: "public.users", objects: [{ bucket: "avatars", name: "ana.png", sha256: "ab" }] } },
    { name: "no details", status: "skipped", message: "the source does not use Storage" },
  ];

  it("keeps each check's name, status and message, and of its details only counts, flags and names", () => {
    const seen = withholdCheckValues(checks) as Array<Record<string, unknown>>;
    expect(JSON.stringify(seen)).not.toMatch(/ana@example\.com|bo@example\.com|ana\.png/);
    expect(seen[0]).toEqual({
      name: "every source user present",
      status: "failed",
      message: "2 source users missing from public.users",
      details: { count: 2, critical: true, samples: [], withheldSamples: { samples: 2 } },
    });
    expect(seen[1]).toEqual(checks[1]);
    expect(seen[2]!.details).toEqual({ table: "public.users", objects: [], withheldSamples: { objects: 1 } });
    expect(seen[3]).toEqual(checks[3]);
  });

  it("leaves what is not a list of checks as it is", () => {
    expect(withholdCheckValues(null)).toBeNull();
    expect(withholdCheckValues({ a: 1 })).toEqual({ a: 1 });
  });
});

describe("diffForViewer", () => {
  it("gives a viewer a schema diff whole, definitions and fixes included, but no pg_cron command", () => {
    const schemaDiff = {
      objects: [
        { kind: "trigger", identity: "BEFORE UPDATE ON public.tasks …", change: "missing", verdict: "failure", source: "CREATE TRIGGER … EXECUTE FUNCTION touch()", reason: "trigger missing", fix: "CREATE TRIGGER …" },
        { kind: "cron_job", identity: "0 3 * * * SELECT net.http_post('https://x', headers => '{\"apikey\":\"sk_live\"}')", name: "nightly", change: "missing", verdict: "moved_to_app", source: "SELECT net.http_post(… sk_live …)", reason: "job missing", fix: "SELECT cron.schedule('nightly', '0 3 * * *', '… sk_live …');" },
      ],
      movedToApp: [{ kind: "cron_job", identity: "… sk_live …", duty: "the application's scheduler must run job nightly", source: "… sk_live …" }],
      counts: { compared: 12 },
    };
    const seen = diffForViewer("schema", schemaDiff) as typeof schemaDiff;
    expect(seen.objects[0]).toEqual(schemaDiff.objects[0]);
    expect(JSON.stringify(seen)).not.toContain("sk_live");
    expect(seen.objects[1]).toMatchObject({ kind: "cron_job", name: "nightly", change: "missing", verdict: "moved_to_app", reason: "job missing" });
    expect(seen.counts).toEqual({ compared: 12 });
  });

  it("withholds the row values of a data diff", () => {
    expect(diffForViewer("data", DIFF)).toEqual(withholdRowValues(DIFF));
  });
});

describe("withholdValuesInText: stored error texts as a viewer reads them", () => {
  // What pg_restore printed for real drills and restores (values are the demo's).
  const pgRestore = [
    'pg_restore: error: COPY failed for table "users": ERROR:  duplicate key value violates unique constraint "users_email_key"',
    "DETAIL:  Key (email)=(ana@example.com) already exists.",
    "CONTEXT:  COPY users, line 3: \"3\tana@example.com\t$2a$10$abcdefghijkl\"",
  ].join("\n");

  it("withholds the key, the COPY line and quoted values, and keeps table, constraint and column names", () => {
    const seen = withholdValuesInText(`Restore drill failed: ${pgRestore}`);
    expect(seen).not.toMatch(/ana@example\.com|\$2a\$10/);
    expect(seen).toContain('COPY failed for table "users"');
    expect(seen).toContain('unique constraint "users_email_key"');
    expect(seen).toContain("Key (email)=(…) already exists.");
    expect(seen).toContain("COPY users, line 3: …");
    expect(seen.endsWith(TEXT_VALUES_WITHHELD)).toBe(true);
  });

  it("withholds failing rows, input values, SQL literals and echoed statements", () => {
    const cases = [
      ['null value in column "email" of relation "users" violates not-null constraint\nDETAIL:  Failing row contains (7, null, Ana Smith).', /Ana Smith/],
      ['invalid input syntax for type uuid: "not-a-uuid-4242"', /not-a-uuid-4242/],
      ['value "99999999999" is out of range for type integer', /99999999999/],
      ["ERROR:  insert or update on table \"orders\" violates foreign key constraint \"orders_user_id_fkey\"\nDETAIL:  Key (user_id)=(5150) is not present in table \"users\".", /5150/],
      ["ERROR:  syntax error at or near \"x\"\nLINE 1: INSERT INTO users VALUES ('secret@example.com')\n                                       ^", /secret@example\.com/],
      ["CONTEXT:  SQL statement \"UPDATE users SET token = 'tok_live_123'\"", /tok_live_123/],
      ["Key (tenant, email)=(acme, bo@example.com) conflicts with existing key (tenant, email)=(acme, bo@example.com).", /bo@example\.com/],
    ] as const;
    for (const [text, value] of cases) {
      const seen = withholdValuesInText(text);
      expect(seen, text).not.toMatch(value);
      expect(seen, text).toContain(TEXT_VALUES_WITHHELD);
    }
    expect(withholdValuesInText(cases[0][0])).toContain('column "email" of relation "users"');
  });

  it("leaves a text with nothing to withhold as it is", () => {
    for (const text of [
      "Restored into a scratch database; all 12 tables match the checkpoint's counts and checksums.",
      'relation "public.projects" does not exist',
      "Restore drill could not run: connect ECONNREFUSED 127.0.0.1:5432",
    ]) {
      expect(withholdValuesInText(text)).toBe(text);
    }
  });

  it("no value put where PostgreSQL quotes one survives (property)", () => {
    const value = fc.stringMatching(/^[A-Za-z0-9@._+ -]{3,24}$/).map((v) => `Zq${v}`);
    const templates = [
      (v: string) => `DETAIL:  Key (email)=(${v}) already exists.`,
      (v: string) => `DETAIL:  Failing row contains (1, ${v}, null).`,
      (v: string) => `CONTEXT:  COPY users, line 9, column email: "${v}"`,
      (v: string) => `CONTEXT:  COPY users, line 9: "${v}"`,
      (v: string) => `invalid input value for enum mood: "${v}"`,
      (v: string) => `LINE 1: SELECT '${v}'`,
    ];
    fc.assert(
      fc.property(value, fc.constantFrom(...templates), (v, template) => {
        expect(withholdValuesInText(`pg_restore: error: ${template(v)}`)).not.toContain(v);
      }),
    );
  });

  it("reads every text of a JSON result the same way", () => {
    expect(withholdValuesInJson({ ok: false, steps: [{ message: "Key (id)=(42) already exists." }], n: 3 })).toEqual({
      ok: false,
      steps: [{ message: `Key (id)=(…) already exists. ${TEXT_VALUES_WITHHELD}` }],
      n: 3,
    });
  });

  it("a viewer's check message is read the same way, a schema check's whole", () => {
    const checks = [{ name: "restore drill", status: "failed", message: "Restore drill failed: DETAIL:  Key (email)=(ana@example.com) already exists." }];
    expect(JSON.stringify(withholdCheckValues(checks, "restore_drill"))).not.toContain("ana@example.com");
    const schema = [{ name: "default", status: "failed", message: "DEFAULT 'active'::text is missing" }];
    expect(withholdCheckValues(schema, "schema")).toEqual(schema);
  });
});
