import { useLocation } from "@remix-run/react";
import { Banner, BlockStack, Box, Page, Text } from "@shopify/polaris";

import type { Health } from "~/activity/query.server";
import { recentFailuresUrl } from "~/activity/filters";
import { relativeTime } from "~/components/sync/words";

/**
 * Shown above every page (routes/app.tsx): syncs failing right now (critical), syncs turned off because a
 * permission was revoked, and a token Shopify rejected (warnings: the merchant has one thing to do about each).
 */
export function HealthBanner({ health }: { health: Health }) {
  const { pathname } = useLocation();
  // A sync's own settings page already explains its revoked permission next to the switch; no second banner there.
  const revoked = health.revoked.filter((r) => r.path !== pathname);
  if (!health.failing.length && !revoked.length && !health.needsReauth) return null;
  return (
    // A Page of its own without a header: the banners line up with the page below at every width.
    <Page>
      <Box paddingBlockStart="400">
        <BlockStack gap="300">
          {health.failing.map((f) => (
            <Banner
              key={f.sync}
              tone="critical"
              title={`${f.title} failed ${f.failures} times in the last hour`}
              action={{ content: "See what failed", url: recentFailuresUrl(f.sync) }}
              secondaryAction={f.path === pathname ? undefined : { content: "Open its settings", url: f.path }}
            >
              <Text as="p">
                {f.lastAt ? `The latest failure was ${relativeTime(f.lastAt, health.now)}. ` : ""}
                The activity log shows each failure and what went wrong.
              </Text>
            </Banner>
          ))}
          {revoked.map((r) => (
            <Banner
              key={r.sync}
              tone="warning"
              title={`${r.title} was turned off`}
              action={{ content: "Go to its settings", url: r.path }}
            >
              <Text as="p">{r.message ?? "A permission it needs was removed in Shopify."}</Text>
            </Banner>
          ))}
          {health.needsReauth && (
            <Banner tone="warning" title="Syncline needs to reconnect to your store">
              <Text as="p">
                Shopify rejected Syncline&apos;s access, so nothing syncs until it is restored. Open Syncline again from
                your Shopify admin (Apps → Syncline): opening it reconnects, and the syncs pick up where they stopped.
              </Text>
            </Banner>
          )}
        </BlockStack>
      </Box>
    </Page>
  );
}
