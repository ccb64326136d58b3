import js from "@eslint/js";
import reactHooks from "eslint-plugin-react-hooks";
import tseslint from "typescript-eslint";

export default tseslint.config(
  {
    ignores: [
      "node_modules/",
      "build/",
      ".cache/",
      "app/types/",
      "app/generated/",
      "extensions/*/dist/",
      "test-results/",
      "playwright-report/",
      "tests/simulator/shell/assets/",
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    plugins: { "react-hooks": reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      // Numeric Shopify ids lose precision in JS numbers; JSON.parse of a webhook body must go through
      // app/webhooks/json.ts instead.
      "no-restricted-syntax": [
        "error",
        {
          selector: "CallExpression[callee.object.name='JSON'][callee.property.name='parse'][arguments.0.name=/^(rawBody|body)$/]",
          message: "Parse Shopify payloads with parseShopifyJson (app/webhooks/json.ts): ids can exceed 2^53.",
        },
      ],
    },
  },
  {
    files: ["**/*.{js,mjs,cjs}"],
    languageOptions: { globals: { process: "readonly", console: "readonly", URL: "readonly" } },
  },
);
