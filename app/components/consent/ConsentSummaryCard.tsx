import { BlockStack, Card, DataTable, InlineStack, Text } from "@shopify/polaris";

import type { ConsentOverview } from "~/consent/query.server";

import { CHANNEL_LABELS, STATE_LABELS } from "./words";

const SHOWN_STATES = ["SUBSCRIBED", "PENDING", "UNSUBSCRIBED", "NOT_SUBSCRIBED", "INVALID", "REDACTED"];

/** Customers per consent state and channel (as the app last saw them in Shopify), and the platform's queue. */
export function ConsentSummaryCard({ counts, queue }: Pick<ConsentOverview, "counts" | "queue">) {
  const rows = SHOWN_STATES.map((state) => [STATE_LABELS[state] ?? state, ...counts.map((c) => (c.byState[state] ?? 0).toLocaleString("en"))]);
  rows.push(["Total", ...counts.map((c) => c.total.toLocaleString("en"))]);
  return (
    <Card>
      <BlockStack gap="400">
        <Text as="h2" variant="headingMd">
          Customers by consent
        </Text>
        <DataTable
          columnContentTypes={["text", ...counts.map(() => "numeric" as const)]}
          headings={["State", ...counts.map((c) => CHANNEL_LABELS[c.channel] ?? c.channel)]}
          rows={rows}
        />
        <InlineStack gap="400" wrap>
          <Text as="p">
            From your platform: {queue.pending.toLocaleString("en")} waiting, {queue.applied.toLocaleString("en")} applied,{" "}
            {(queue.stale + queue.superseded).toLocaleString("en")} skipped as older, {queue.failed.toLocaleString("en")} failed.
          </Text>
        </InlineStack>
      </BlockStack>
    </Card>
  );
}
