// The linter of the pages' JS (agent_ui/static/js): ES modules in the browser, no build step.
import js from "@eslint/js";
import globals from "globals";

export default [
  {
    // the classic (non-module) scripts of the pages not converted to modules yet; each leaves this list when its
    // page imports the core (js/core) instead
    ignores: [
      "agent_ui/static/js/common.js",
      "agent_ui/static/js/i18n.js",
      "agent_ui/static/js/agent.js",
      "agent_ui/static/js/qc.js",
      "agent_ui/static/js/player.js",
    ],
  },
  js.configs.recommended,
  {
    files: ["agent_ui/static/js/**/*.js"],
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: "module",
      globals: globals.browser,
    },
    rules: {
      "no-undef": "error",
      "no-unused-vars": ["error", { args: "none", caughtErrors: "none" }],
    },
  },
  {
    files: ["eslint.config.js"],
    languageOptions: { sourceType: "module", globals: globals.node },
  },
];
