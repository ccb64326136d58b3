import { useEffect } from "react";
import type { LoaderFunctionArgs } from "@remix-run/node";
import { useLoaderData, useLocation, useSearchParams } from "@remix-run/react";
import { Badge, BlockStack, Card, EmptyState, IndexTable, InlineStack, Layout, Link, Page, Select, Text } from "@shopify/polaris";
import { TitleBar, useAppBridge } from "@shopify/app-bridge-react";

import { authenticate } from "~/shopify.server";
import { prisma } from "~/db.server";
import { listActivity, parseActivityFilters } from "~/activity/query.server";
import { DIRECTION_LABEL, KIND_LABEL, statusTone } from "~/components/activity/status";
import { SYNC_SWITCHES } from "~/syncs/definitions";
import { absoluteTime, relativeTime } from "~/components/sync/words";
import { replayToast } from "~/events/replay-result";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const filters = parseActivityFilters(new URL(request.url).searchParams);
  const now = new Date();
  return { filters, now: now.toISOString(), ...(await listActivity(prisma, session.shop, filters, now)) };
};

const SYNC_OPTIONS = [
  { label: "All syncs", value: "all" },
  ...SYNC_SWITCHES.map((s) => ({ label: s.title, value: s.key })),
  { label: "App-wide (install, compliance)", value: "none" },
];
const DIRECTION_OPTIONS = [
  { label: "All directions", value: "all" },
  { label: "Received", value: "in" },
  { label: "Sent", value: "out" },
  { label: "Internal", value: "internal" },
];
const STATUS_OPTIONS = [
  { label: "All statuses", value: "all" },
  { label: "Problems only", value: "problems" },
  { label: "Without problems", value: "ok" },
];
const RANGE_OPTIONS = [
  { label: "Last hour", value: "hour" },
  { label: "Last 24 hours", value: "day" },
  { label: "Last 7 days", value: "week" },
];


export default function ActivityLog() {
  const { entries, nextCursor, filters, now } = useLoaderData<typeof loader>();
  const [, setParams] = useSearchParams();
  const location = useLocation();
  const shopify = useAppBridge();

  useEffect(() => {
    const toast = replayToast(location.search);
    if (toast) shopify.toast.show(toast.message, { isError: toast.isError });
  }, [location.search, shopify]);

  // Functional updates: two quick changes must not overwrite each other with a stale copy of the URL.
  const update = (change: (next: URLSearchParams) => void) =>
    setParams((current) => {
      const next = new URLSearchParams(current);
      change(next);
      return next;
    });
  const setFilter = (name: string) => (value: string) =>
    update((next) => {
      next.set(name, value);
      next.delete("cursor");
    });
  const olderPage = () => nextCursor && update((next) => next.set("cursor", nextCursor));
  const newestPage = () => update((next) => next.delete("cursor"));

  const rows = entries.map((entry, index) => (
    <IndexTable.Row id={entry.id} key={entry.id} position={index}>
      <IndexTable.Cell>
        <span title={absoluteTime(entry.createdAt)}>{relativeTime(entry.createdAt, now)}</span>
      </IndexTable.Cell>
      <IndexTable.Cell>{DIRECTION_LABEL[entry.direction] ?? entry.direction}</IndexTable.Cell>
      <IndexTable.Cell>{KIND_LABEL[entry.kind] ?? entry.kind}</IndexTable.Cell>
      <IndexTable.Cell>
        {/* The primary link makes the whole row open the entry, as in Shopify's own lists. */}
        <Link dataPrimaryLink url={`/app/activity/${entry.id}`} monochrome removeUnderline>
          <Text as="span" fontWeight="medium">
            {entry.name}
          </Text>
        </Link>
      </IndexTable.Cell>
      <IndexTable.Cell>{entry.sync ? (SYNC_SWITCHES.find((s) => s.key === entry.sync)?.title ?? entry.sync) : "—"}</IndexTable.Cell>
      <IndexTable.Cell>
        <Badge tone={statusTone(entry.status)}>{entry.status}</Badge>
      </IndexTable.Cell>
      <IndexTable.Cell>
        <Text as="span" alignment="end" numeric>
          {entry.durationMs == null ? "—" : `${entry.durationMs} ms`}
        </Text>
      </IndexTable.Cell>
    </IndexTable.Row>
  ));

  return (
    <Page title="Activity log" subtitle="Every webhook received and every call made, kept for 7 days. Customer data is hidden.">
      <TitleBar title="Activity log" />
      <Layout>
        <Layout.Section>
          <Card padding="0">
            <BlockStack>
              <div style={{ padding: "var(--p-space-300)" }}>
                <InlineStack gap="300" wrap>
                  <Select label="Sync" labelInline options={SYNC_OPTIONS} value={filters.sync} onChange={setFilter("sync")} />
                  <Select label="Direction" labelInline options={DIRECTION_OPTIONS} value={filters.direction} onChange={setFilter("direction")} />
                  <Select label="Status" labelInline options={STATUS_OPTIONS} value={filters.status} onChange={setFilter("status")} />
                  <Select label="Time" labelInline options={RANGE_OPTIONS} value={filters.range} onChange={setFilter("range")} />
                </InlineStack>
              </div>
              <IndexTable
                resourceName={{ singular: "entry", plural: "entries" }}
                itemCount={entries.length}
                selectable={false}
                headings={[
                  { title: "When" },
                  { title: "Direction" },
                  { title: "Kind" },
                  { title: "What" },
                  { title: "Sync" },
                  { title: "Status" },
                  { title: "Duration", alignment: "end" },
                ]}
                emptyState={
                  <EmptyState heading="Nothing in this view" image="">
                    <p>No activity matches these filters. Try a longer time range or fewer filters.</p>
                  </EmptyState>
                }
                pagination={{
                  hasNext: !!nextCursor,
                  onNext: olderPage,
                  hasPrevious: !!filters.cursor,
                  onPrevious: newestPage,
                }}
              >
                {rows}
              </IndexTable>
            </BlockStack>
          </Card>
        </Layout.Section>
      </Layout>
    </Page>
  );
}
