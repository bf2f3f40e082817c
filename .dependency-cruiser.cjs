// Layers of lib/, lowest first. A module may import its own folder and any folder of a lower layer,
// never one of its own layer or above: so the folders form no cycle, and a rule (domain) never
// reaches for a use case. app/, components/, scripts/, demo/, bench/, faults/ and tests sit above all.
const LAYERS = [
  ["domain"],
  ["db", "store", "locks", "http", "sql"],
  ["env.ts", "sources"],
  ["validation"],
  ["engines", "ui", "context.ts"],
  ["audit"],
  ["alerts"],
  ["jobs", "auth"],
  ["checkpoints"],
  ["rollback"],
  ["validation-runs"],
  ["worker"],
  ["api"],
];

// Test code may reach anything it tests; it is not part of a layer.
const TEST_CODE = "(\\.test\\.tsx?$|^test/)";

const pathOf = (folder) => (folder.endsWith(".ts") ? `^lib/${folder.replace(".", "\\.")}$` : `^lib/${folder}/`);

const layerRules = LAYERS.flatMap((layer, i) =>
  layer.flatMap((folder) => {
    const notBelow = LAYERS.slice(i).flat().filter((f) => f !== folder);
    if (notBelow.length === 0) return [];
    return {
      name: `layer-${folder}`,
      comment: `lib/${folder} may import only folders of lower layers (see ARCHITECTURE.md, "Layers")`,
      severity: "error",
      from: { path: pathOf(folder), pathNot: TEST_CODE },
      to: { path: notBelow.map(pathOf), pathNot: TEST_CODE },
    };
  }),
);

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    ...layerRules,
    {
      name: "lib-not-above",
      comment: "lib/ never imports the app, the components, scripts or the demo",
      severity: "error",
      from: { path: "^lib/", pathNot: TEST_CODE },
      to: { path: "^(app|components|scripts|demo|bench|faults)/" },
    },
    {
      name: "no-circular",
      comment: "no import cycle between modules",
      severity: "error",
      from: { pathNot: TEST_CODE },
      to: { circular: true, pathNot: TEST_CODE },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "(^|/)(\\.data|\\.next|node_modules|lib/db/generated)/" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: { extensions: [".ts", ".tsx", ".js", ".mjs"] },
  },
};
