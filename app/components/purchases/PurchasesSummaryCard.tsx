import type { ReactNode } from "react";
import { Link as RemixLink } from "@remix-run/react";
import { Badge, BlockStack, Box, Button, Card, InlineGrid, InlineStack, Text } from "@shopify/polaris";

import type { MismatchCounts, ViewCounts } from "~/purchases/query.server";
import { purchaseListUrl, VIEW_LABEL, STATUS_VIEWS } from "~/purchases/filters";

import { plural } from "./words";

/**
 * The sync page's window on the registered purchases: how many are in each status, how many mismatches and of
 * which kind, and the way into the list and the Mismatches view.
 */
export function PurchasesSummaryCard({ views, mismatches }: { views: ViewCounts; mismatches: MismatchCounts }) {
  return (
    <Card>
      <BlockStack gap="400">
        <InlineStack align="space-between" blockAlign="center" gap="200">
          <Text as="h3" variant="headingSm">
            {views.all === 0 ? "No purchases registered yet" : plural(views.all, "purchase registered", "purchases registered")}
          </Text>
          <Button url={purchaseListUrl()} accessibilityLabel="View all registered purchases">
            View purchases
          </Button>
        </InlineStack>
        <InlineGrid columns={{ xs: 2, sm: 4 }} gap="400">
          {STATUS_VIEWS.map((status) => (
            <Figure key={status} label={VIEW_LABEL[status]} url={purchaseListUrl({ view: status })}>
              {views[status].toLocaleString("en")}
            </Figure>
          ))}
        </InlineGrid>
        <Box background={mismatches.total > 0 ? "bg-surface-warning" : "bg-surface-secondary"} padding="300" borderRadius="200">
          <BlockStack gap="200">
            <InlineStack align="space-between" blockAlign="center" gap="200">
              <InlineStack gap="200" blockAlign="center">
                <Text as="h4" variant="headingSm">
                  Mismatches
                </Text>
                <Badge tone={mismatches.total > 0 ? "warning" : "success"}>{mismatches.total.toLocaleString("en")}</Badge>
              </InlineStack>
              {mismatches.total > 0 && (
                <Button url={purchaseListUrl({ view: "mismatch" })} variant="plain">
                  View mismatches
                </Button>
              )}
            </InlineStack>
            {mismatches.total === 0 ? (
              <Text as="p" tone="subdued">
                Every purchase your storefront reported matches the order Shopify sent.
              </Text>
            ) : (
              <BlockStack gap="050">
                {mismatches.differing > 0 && (
                  <Text as="p">{plural(mismatches.differing, "purchase differs", "purchases differ")} between the storefront and Shopify</Text>
                )}
                {mismatches.browserMissing > 0 && (
                  <Text as="p">
                    {plural(mismatches.browserMissing, "order was", "orders were")} never reported by the storefront
                  </Text>
                )}
                {mismatches.serverMissing > 0 && (
                  <Text as="p">
                    {plural(mismatches.serverMissing, "storefront report has", "storefront reports have")} no order from Shopify
                  </Text>
                )}
              </BlockStack>
            )}
          </BlockStack>
        </Box>
      </BlockStack>
    </Card>
  );
}

function Figure({ label, url, children }: { label: string; url: string; children: ReactNode }) {
  return (
    <BlockStack gap="100">
      <Text as="span" tone="subdued" variant="bodySm">
        {label}
      </Text>
      <RemixLink to={url} style={{ color: "inherit", textDecoration: "none" }} aria-label={`${label}: ${String(children)}`}>
        <Text as="span" variant="headingMd">
          {children}
        </Text>
      </RemixLink>
    </BlockStack>
  );
}
