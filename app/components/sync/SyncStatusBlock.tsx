import type { ReactNode } from "react";
import { Badge, BlockStack, Box, InlineGrid, InlineStack, Text } from "@shopify/polaris";

import type { SwitchStatus } from "~/syncs/control.server";

import { absoluteTime, relativeTime, topicLabel } from "./words";

interface Props {
  sw: SwitchStatus;
  now: string;
  /** False when a banner above already shows the last error. */
  showLastError: boolean;
}

/** What the merchant checks when something seems off: is it subscribed, is data arriving, what failed last. */
export function SyncStatusBlock({ sw, now, showLastError }: Props) {
  // An off switch lists its topics as "none"; anything else (a leftover still being removed) is worth showing.
  const subscribed = sw.subscriptions.filter((s) => s.status !== "none");
  return (
    <BlockStack gap="400">
      <InlineGrid columns={{ xs: 1, sm: 3 }} gap="400">
        <Figure label="Last event received">
          {sw.lastEventAt ? <Time iso={sw.lastEventAt} now={now} /> : <Text as="span">None yet</Text>}
        </Figure>
        <Figure label="Webhooks, last 24 hours">
          <Text as="span">{sw.counts.webhooksLast24h.toLocaleString("en")}</Text>
        </Figure>
        <Figure label="Failed, last 24 hours">
          <Text as="span" tone={sw.counts.failedLast24h > 0 ? "critical" : undefined}>
            {sw.counts.failedLast24h.toLocaleString("en")}
          </Text>
        </Figure>
      </InlineGrid>

      <BlockStack gap="200">
        <InlineStack gap="200" align="start" blockAlign="center">
          <Text as="h3" variant="headingSm">
            Webhook subscriptions
          </Text>
          {sw.enabled && (
            <Badge tone={sw.subscriptionsHealthy ? "success" : "critical"}>
              {sw.subscriptionsHealthy ? "Healthy" : "Needs repair"}
            </Badge>
          )}
        </InlineStack>
        {!sw.enabled && subscribed.length === 0 ? (
          <Text as="p" tone="subdued">
            None. Shopify sends this sync&apos;s events only while it is on.
          </Text>
        ) : (
          <ul style={{ listStyle: "none", margin: 0, padding: 0 }} aria-label="Webhook subscriptions">
            {sw.subscriptions.map((sub) => (
              <li key={sub.topic}>
                <Box paddingBlock="100">
                  <InlineStack align="space-between" blockAlign="center" gap="200">
                    <Text as="span">{topicLabel(sub.topic)}</Text>
                    <SubscriptionBadge healthy={sub.healthy} status={sub.status} />
                  </InlineStack>
                </Box>
              </li>
            ))}
          </ul>
        )}
      </BlockStack>

      {showLastError && sw.lastError && (
        <BlockStack gap="100">
          <Text as="h3" variant="headingSm">
            Last error
          </Text>
          <Text as="p" tone="critical">
            {sw.lastError}
          </Text>
          {sw.lastErrorAt && (
            <Text as="p" tone="subdued" variant="bodySm">
              <Time iso={sw.lastErrorAt} now={now} />
            </Text>
          )}
        </BlockStack>
      )}
    </BlockStack>
  );
}

function Figure({ label, children }: { label: string; children: ReactNode }) {
  return (
    <BlockStack gap="100">
      <Text as="span" tone="subdued" variant="bodySm">
        {label}
      </Text>
      <Text as="p" variant="headingSm" fontWeight="medium">
        {children}
      </Text>
    </BlockStack>
  );
}

function Time({ iso, now }: { iso: string; now: string }) {
  return (
    <time dateTime={iso} title={absoluteTime(iso)}>
      {relativeTime(iso, now)}
    </time>
  );
}

// Statuses from control.server: a row's own (pending, active, failed, deleted) or, without a row, "missing" (the
// switch is on) and "none" (off).
function SubscriptionBadge({ healthy, status }: { healthy: boolean; status: string }) {
  if (status === "none") return <Badge>Not subscribed</Badge>;
  if (healthy) return <Badge tone="success">Active</Badge>;
  if (status === "pending") return <Badge tone="attention">Being created</Badge>;
  // Active in Shopify while the switch is off: a leftover the health job removes.
  if (status === "active") return <Badge tone="warning">Being removed</Badge>;
  if (status === "failed") return <Badge tone="critical">Failed</Badge>;
  return <Badge tone="critical">Missing</Badge>;
}
