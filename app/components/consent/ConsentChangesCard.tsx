import { BlockStack, Card, DataTable, Text } from "@shopify/polaris";

import type { PlatformChangeRow, ShopifyChangeRow } from "~/consent/query.server";

import { CHANNEL_LABELS, OUTCOME_LABELS, STATE_LABELS, when } from "./words";

/** The last changes Shopify reported (webhooks, import), newest first. */
export function FromShopifyCard({ rows }: { rows: ShopifyChangeRow[] }) {
  return (
    <section aria-label="Latest from Shopify">
      <Card>
        <BlockStack gap="300">
          <Text as="h2" variant="headingMd">
            Latest from Shopify
          </Text>
          {rows.length ? (
            <DataTable
              columnContentTypes={["text", "text", "text", "text"]}
              headings={["Customer", "Channel", "State", "Decided"]}
              rows={rows.map((r) => [
                r.address ?? `Customer ${r.customerId}`,
                CHANNEL_LABELS[r.channel] ?? r.channel,
                STATE_LABELS[r.state] ?? r.state,
                when(r.consentAt),
              ])}
            />
          ) : (
            <Text as="p" tone="subdued">
              No consent change from Shopify yet.
            </Text>
          )}
        </BlockStack>
      </Card>
    </section>
  );
}

/** The last platform changes the push handled (applied or skipped as older), newest first. */
export function ToShopifyCard({ rows }: { rows: PlatformChangeRow[] }) {
  return (
    <section aria-label="Latest from your platform">
      <Card>
        <BlockStack gap="300">
          <Text as="h2" variant="headingMd">
            Latest from your platform
          </Text>
          {rows.length ? (
            <DataTable
              columnContentTypes={["text", "text", "text", "text", "text"]}
              headings={["Customer", "Channel", "State", "Decided", "Outcome"]}
              rows={rows.map((r) => [
                r.address,
                CHANNEL_LABELS[r.channel] ?? r.channel,
                STATE_LABELS[r.state] ?? r.state,
                when(r.decidedAt),
                `${OUTCOME_LABELS[r.status] ?? r.status}${r.created ? " (customer created)" : ""}`,
              ])}
            />
          ) : (
            <Text as="p" tone="subdued">
              No consent change from your platform applied yet.
            </Text>
          )}
        </BlockStack>
      </Card>
    </section>
  );
}

/** Platform changes Shopify refused, with Shopify's reason: fix the data on the platform and send them again. */
export function FailuresCard({ rows }: { rows: PlatformChangeRow[] }) {
  return (
    <section aria-label="Failed changes">
      <Card>
        <BlockStack gap="300">
          <Text as="h2" variant="headingMd">
            Failed changes
          </Text>
          {rows.length ? (
            <DataTable
              columnContentTypes={["text", "text", "text", "text"]}
              headings={["Customer", "Channel", "Decided", "Shopify's reason"]}
              rows={rows.map((r) => [r.address, CHANNEL_LABELS[r.channel] ?? r.channel, when(r.decidedAt), r.reason ?? "Unknown"])}
            />
          ) : (
            <Text as="p" tone="subdued">
              None: every change from your platform was applied or skipped as older.
            </Text>
          )}
        </BlockStack>
      </Card>
    </section>
  );
}
