import { Banner, BlockStack, Link, Text } from "@shopify/polaris";

import type { Health } from "~/activity/query.server";

/** Shown above every page: syncs failing right now, syncs turned off by a revoked permission, a lost connection. */
export function HealthBanner({ health }: { health: Health }) {
  if (!health.failing.length && !health.revoked.length && !health.needsReauth) return null;
  return (
    <div style={{ padding: "var(--p-space-400) var(--p-space-400) 0" }}>
      <BlockStack gap="300">
        {health.needsReauth && (
          <Banner tone="critical" title="Syncline lost its connection to your store">
            <Text as="p">
              Shopify rejected Syncline&apos;s access, so nothing syncs until it is restored. Open Syncline again from your
              Shopify admin (Apps → Syncline) to reconnect.
            </Text>
          </Banner>
        )}
        {health.failing.map((f) => (
          <Banner key={f.sync} tone="critical" title={`${f.title} is failing`}>
            <Text as="p">
              {f.failures} failures in the last hour. <Link url={`/app/activity?sync=${f.sync}&status=problems&range=hour`}>See what failed</Link>{" "}
              or open <Link url={f.path}>the sync&apos;s settings</Link>.
            </Text>
          </Banner>
        ))}
        {health.revoked.map((r) => (
          <Banner key={r.sync} tone="warning" title={`${r.title} was turned off`}>
            <Text as="p">
              {r.message ?? "A permission it needs was removed in Shopify."} <Link url={r.path}>Go to its settings</Link>
            </Text>
          </Banner>
        ))}
      </BlockStack>
    </div>
  );
}
