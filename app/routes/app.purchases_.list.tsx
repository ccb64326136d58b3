// `purchases_` (not nested under app.purchases.tsx): the list is a page of its own beside the sync's settings, and
// paging or filtering it does not reload the switch's status. The URL is /app/purchases/list.
import type { LoaderFunctionArgs } from "@remix-run/node";
import { useLoaderData, useLocation, useNavigation, useSearchParams } from "@remix-run/react";
import {
  Badge,
  BlockStack,
  Box,
  Card,
  ChoiceList,
  EmptySearchResult,
  Filters,
  IndexTable,
  InlineStack,
  Layout,
  Link,
  Page,
  Pagination,
  Tabs,
  Text,
} from "@shopify/polaris";
import { TitleBar } from "@shopify/app-bridge-react";

import { authenticate } from "~/shopify.server";
import { prisma } from "~/db.server";
import { countPurchaseViews, listPurchases, listServerMissingReports, type PurchaseListRow } from "~/purchases/query.server";
import {
  parsePurchaseFilters,
  PURCHASE_CURSOR_PATTERN,
  SOURCE_FILTER_LABEL,
  SOURCE_VALUES,
  VIEW_LABEL,
  VIEW_VALUES,
  type PurchaseView,
} from "~/purchases/filters";
import { absoluteTime, relativeTime } from "~/components/sync/words";
import {
  exclusionReasonText,
  mismatchSummary,
  money,
  sourceLabel,
  statusBadge,
} from "~/components/purchases/words";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const params = new URL(request.url).searchParams;
  const filters = parsePurchaseFilters(params);
  const reportsAfter = params.get("reportsAfter");
  // Storefront reports have no sales channel: they belong to the Mismatches view only while no channel is chosen.
  const showReports = filters.view === "mismatch" && filters.source.length === 0;
  const [page, counts, reports] = await Promise.all([
    listPurchases(prisma, session.shop, filters),
    countPurchaseViews(prisma, session.shop, filters.source),
    showReports
      ? listServerMissingReports(prisma, session.shop, {
          after: reportsAfter && PURCHASE_CURSOR_PATTERN.test(reportsAfter) ? reportsAfter : null,
        })
      : Promise.resolve(null),
  ]);
  return { now: new Date().toISOString(), ...page, counts, reports, reportsPaged: !!reportsAfter };
};

const TAB_VIEWS: PurchaseView[] = [...VIEW_VALUES];

export default function PurchaseList() {
  const { purchases, nextCursor, previousCursor, hasPrevious, counts, reports, reportsPaged, now } = useLoaderData<typeof loader>();
  const [, setParams] = useSearchParams();
  const navigation = useNavigation();
  const location = useLocation();
  // The controls show the view being loaded, not the one of the rows still on screen.
  const loading = navigation.state === "loading" && navigation.location.pathname === location.pathname;
  const filters = parsePurchaseFilters(new URLSearchParams(loading ? navigation.location.search : location.search));

  // Every change drops the page cursors: a new view starts at the newest purchase.
  const update = (change: (next: URLSearchParams) => void) =>
    setParams((current) => {
      const next = new URLSearchParams(current);
      for (const key of ["after", "before", "reportsAfter"]) next.delete(key);
      change(next);
      return next;
    });
  const setView = (view: PurchaseView) =>
    update((next) => {
      if (view === "all") next.delete("status");
      else next.set("status", view);
    });
  const setSources = (values: string[]) =>
    update((next) => {
      next.delete("source");
      for (const value of values) next.append("source", value);
    });

  const tabs = TAB_VIEWS.map((view) => ({
    id: `purchases-${view}`,
    content: VIEW_LABEL[view],
    badge: counts.views[view].toLocaleString("en"),
    accessibilityLabel: `${VIEW_LABEL[view]} (${counts.views[view]})`,
  }));
  const applied = filters.source.length
    ? [
        {
          key: "source",
          label: `Sales channel: ${filters.source.map((s) => SOURCE_FILTER_LABEL[s]).join(", ")}`,
          onRemove: () => setSources([]),
        },
      ]
    : [];

  const rows = purchases.map((purchase, index) => <PurchaseRow key={purchase.id} purchase={purchase} index={index} now={now} />);

  return (
    <Page
      title="Purchases received"
      subtitle="Every order Shopify sent to Syncline, newest first, and what was sent to your platform."
      backAction={{ content: "Purchases", url: "/app/purchases" }}
      fullWidth
    >
      <TitleBar title="Purchases received" />
      <Layout>
        <Layout.Section>
          <BlockStack gap="400">
            <Card padding="0">
              <Tabs
                tabs={tabs}
                selected={Math.max(0, TAB_VIEWS.indexOf(filters.view))}
                onSelect={(index) => setView(TAB_VIEWS[index] ?? "all")}
              />
              <Filters
                queryValue=""
                hideQueryField
                filters={[
                  {
                    key: "source",
                    label: "Sales channel",
                    pinned: true,
                    filter: (
                      <ChoiceList
                        title="Sales channel"
                        titleHidden
                        allowMultiple
                        choices={SOURCE_VALUES.map((value) => ({ label: SOURCE_FILTER_LABEL[value], value }))}
                        selected={filters.source}
                        onChange={setSources}
                      />
                    ),
                  },
                ]}
                appliedFilters={applied}
                onQueryChange={() => {}}
                onQueryClear={() => {}}
                onClearAll={() => setSources([])}
              />
              <IndexTable
                resourceName={{ singular: "purchase", plural: "purchases" }}
                itemCount={purchases.length}
                selectable={false}
                loading={loading}
                headings={[
                  { title: "Order" },
                  { title: "Date" },
                  { title: "Customer" },
                  { title: "Total", alignment: "end" },
                  { title: "Sales channel" },
                  { title: "Status" },
                  { title: "Storefront report" },
                ]}
                emptyState={<EmptyList view={filters.view} filtered={applied.length > 0} />}
                // No pager under a list that fits on one page.
                pagination={
                  nextCursor || hasPrevious
                    ? {
                        hasNext: !!nextCursor,
                        onNext: () => nextCursor && update((next) => next.set("after", nextCursor)),
                        hasPrevious,
                        onPrevious: () =>
                          update((next) => {
                            if (previousCursor) next.set("before", previousCursor);
                          }),
                      }
                    : undefined
                }
              >
                {rows}
              </IndexTable>
            </Card>
            {reports && (reports.reports.length > 0 || reportsPaged) && (
              <ServerMissingReports
                reports={reports.reports}
                now={now}
                nextCursor={reports.nextCursor}
                paged={reportsPaged}
                onNext={(cursor) => setParams((current) => withParam(current, "reportsAfter", cursor))}
                onFirst={() => setParams((current) => withParam(current, "reportsAfter", null))}
              />
            )}
          </BlockStack>
        </Layout.Section>
      </Layout>
    </Page>
  );
}

function withParam(current: URLSearchParams, key: string, value: string | null): URLSearchParams {
  const next = new URLSearchParams(current);
  if (value) next.set(key, value);
  else next.delete(key);
  return next;
}

function PurchaseRow({ purchase, index, now }: { purchase: PurchaseListRow; index: number; now: string }) {
  const badge = statusBadge(purchase.status);
  const showPresentment =
    purchase.presentmentTotal !== null &&
    purchase.presentmentCurrency !== null &&
    purchase.presentmentCurrency !== purchase.currency;
  return (
    <IndexTable.Row id={purchase.id} position={index}>
      <IndexTable.Cell>
        <InlineStack gap="200" blockAlign="center" wrap={false}>
          {/* The primary link makes the whole row open the purchase, as in Shopify's own lists. */}
          <Link dataPrimaryLink url={`/app/purchases/${purchase.orderId}`} monochrome removeUnderline>
            <Text as="span" fontWeight="semibold">
              {purchase.orderName ?? `Order ${purchase.orderId}`}
            </Text>
          </Link>
          {purchase.test && <Badge size="small">Test</Badge>}
        </InlineStack>
      </IndexTable.Cell>
      <IndexTable.Cell>
        <BlockStack gap="050">
          <Text as="span">{absoluteTime(purchase.orderCreatedAt)}</Text>
          <Text as="span" variant="bodySm" tone="subdued">
            {relativeTime(purchase.orderCreatedAt, now)}
          </Text>
        </BlockStack>
      </IndexTable.Cell>
      <IndexTable.Cell>{purchase.email ?? <Text as="span" tone="subdued">No email</Text>}</IndexTable.Cell>
      <IndexTable.Cell>
        <BlockStack gap="050" inlineAlign="end">
          <Text as="span" numeric alignment="end">
            {money(purchase.totalPrice, purchase.currency)}
          </Text>
          {showPresentment && (
            <Text as="span" variant="bodySm" tone="subdued" numeric alignment="end">
              {money(purchase.presentmentTotal, purchase.presentmentCurrency)} paid
            </Text>
          )}
        </BlockStack>
      </IndexTable.Cell>
      <IndexTable.Cell>{sourceLabel(purchase.sourceName)}</IndexTable.Cell>
      <IndexTable.Cell>
        <BlockStack gap="050" inlineAlign="start">
          <Badge tone={badge.tone}>{badge.label}</Badge>
          {purchase.status === "pending_delay" && purchase.forwardAt && (
            <Text as="span" variant="bodySm" tone="subdued">
              Sends {relativeTime(purchase.forwardAt, now)}
            </Text>
          )}
          {purchase.status === "excluded" && (
            <Text as="span" variant="bodySm" tone="subdued" breakWord>
              {exclusionReasonText(purchase.excludedReason)}
            </Text>
          )}
        </BlockStack>
      </IndexTable.Cell>
      <IndexTable.Cell>
        {purchase.mismatch ? (
          <BlockStack gap="050" inlineAlign="start">
            <Badge tone="critical">Mismatch</Badge>
            <Box maxWidth="22rem">
              <Text as="span" variant="bodySm" breakWord>
                {mismatchSummary(purchase.mismatchFields)}
              </Text>
            </Box>
          </BlockStack>
        ) : purchase.browserReportedAt ? (
          <Badge tone="success">Matches</Badge>
        ) : (
          <Text as="span" tone="subdued">
            Not reported yet
          </Text>
        )}
      </IndexTable.Cell>
    </IndexTable.Row>
  );
}

function EmptyList({ view, filtered }: { view: PurchaseView; filtered: boolean }) {
  if (filtered) {
    return <EmptySearchResult title="No purchases in this view" description="Nothing matches this sales channel. Remove the filter to see every purchase." withIllustration />;
  }
  const description: Record<PurchaseView, string> = {
    all: "Orders appear here as Shopify sends them while Purchase sync is on.",
    registered: "Purchases sent to your platform appear here.",
    pending_delay: "No purchase is waiting for its upsell delay to end.",
    excluded: "No purchase was excluded by your options.",
    refunded: "No purchase has been refunded in full.",
    mismatch: "Every purchase your storefront reported matches the order Shopify sent.",
  };
  return (
    <EmptySearchResult
      title={view === "mismatch" ? "No mismatches" : view === "all" ? "No purchases yet" : `No ${VIEW_LABEL[view].toLowerCase()} purchases`}
      description={description[view]}
      withIllustration
    />
  );
}

type ReportRow = NonNullable<ReturnType<typeof useLoaderData<typeof loader>>["reports"]>["reports"][number];

/** Reports whose order Shopify never sent within the grace period: not purchases, so a list of their own. */
function ServerMissingReports({
  reports,
  now,
  nextCursor,
  paged,
  onNext,
  onFirst,
}: {
  reports: ReportRow[];
  now: string;
  nextCursor: string | null;
  paged: boolean;
  onNext: (cursor: string) => void;
  onFirst: () => void;
}) {
  return (
    <Card padding="0">
      <Box padding="400">
        <BlockStack gap="100">
          <Text as="h2" variant="headingSm">
            Reported by the storefront, never sent by Shopify
          </Text>
          <Text as="p" tone="subdued">
            Your storefront reported these purchases, but Shopify sent no matching order within the grace period. The
            order may have been deleted, or its webhook was lost: importing past orders fills such gaps.
          </Text>
        </BlockStack>
      </Box>
      <IndexTable
        resourceName={{ singular: "storefront report", plural: "storefront reports" }}
        itemCount={reports.length}
        selectable={false}
        headings={[{ title: "Order" }, { title: "Reported" }, { title: "Customer" }, { title: "Total", alignment: "end" }, { title: "Items" }]}
        emptyState={<EmptySearchResult title="No more reports" description="Go back to the newest reports." />}
      >
        {reports.map((report, index) => (
          <IndexTable.Row id={report.id} key={report.id} position={index}>
            <IndexTable.Cell>
              {report.orderId ? (
                <Link dataPrimaryLink url={`/app/purchases/${report.orderId}`} monochrome removeUnderline>
                  <Text as="span" fontWeight="semibold">
                    {report.orderName ?? `Order ${report.orderId}`}
                  </Text>
                </Link>
              ) : (
                <Text as="span" fontWeight="semibold">
                  {report.orderName ?? "No order number"}
                </Text>
              )}
            </IndexTable.Cell>
            <IndexTable.Cell>
              <BlockStack gap="050">
                <Text as="span">{absoluteTime(report.occurredAt)}</Text>
                <Text as="span" variant="bodySm" tone="subdued">
                  {relativeTime(report.occurredAt, now)}
                </Text>
              </BlockStack>
            </IndexTable.Cell>
            <IndexTable.Cell>{report.email ?? <Text as="span" tone="subdued">No email</Text>}</IndexTable.Cell>
            <IndexTable.Cell>
              <Text as="span" numeric alignment="end">
                {money(report.totalPrice, report.currency)}
              </Text>
            </IndexTable.Cell>
            <IndexTable.Cell>{report.itemCount.toLocaleString("en")}</IndexTable.Cell>
          </IndexTable.Row>
        ))}
      </IndexTable>
      {(nextCursor || paged) && (
        <Box padding="300">
          <InlineStack align="center">
            <Pagination
              hasPrevious={paged}
              previousTooltip="Newest reports"
              onPrevious={onFirst}
              hasNext={!!nextCursor}
              onNext={() => nextCursor && onNext(nextCursor)}
            />
          </InlineStack>
        </Box>
      )}
    </Card>
  );
}
